// A real OpenID provider (oidc-provider) on loopback, on a port chosen at run time. Each test user is a
// client that obtains RFC 9068 access tokens (`at+jwt`, ES256) for the broker's audience with the
// client-credentials grant; its `sub` is the user's name and its `groups` claim what the test says.
// The signing key can be rotated; requests for the key set are counted.
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';

export interface OidcProvider {
  issuer: string;
  /** An access token for `user`, issued by the provider over its token endpoint. */
  token(user: string): Promise<string>;
  /** A token with any claims and header, signed by the provider's current key: for claims the provider would never issue. */
  sign(claims: JWTPayload, header?: { typ?: string; kid?: string }): Promise<string>;
  /** How many times the key set (jwks_uri) was fetched. */
  jwksFetches(): number;
  /** Signs with a new key from now on; the key set publishes only the new one. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

const SECRET = 'test-client-secret-that-is-long-enough';

async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `k${Math.random().toString(36).slice(2, 10)}`, alg: 'ES256', use: 'sig' };
}

export async function startOidcProvider(options: { audience: string; users: Record<string, string[]> }): Promise<OidcProvider> {
  let fetches = 0;
  let handler: ReturnType<Provider['callback']> | undefined;
  let key: JWK | undefined;
  const server: Server = createServer((request, response) => {
    if (request.url?.startsWith('/jwks')) fetches++;
    handler!(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const build = async () => {
    key = await signingKey();
    const provider = new Provider(issuer, {
      clients: Object.keys(options.users).map((user) => ({ client_id: user, client_secret: SECRET, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], id_token_signed_response_alg: 'ES256' })),
      jwks: { keys: [key] },
      features: {
        clientCredentials: { enabled: true },
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => options.audience,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: 'jit', audience: options.audience, accessTokenTTL: 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
        },
      },
      extraTokenClaims: (_context, token) => ({ groups: options.users[(token as { clientId?: string }).clientId ?? ''] ?? [] }),
    });
    handler = provider.callback();
  };
  await build();

  return {
    issuer,
    async token(user) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${user}:${SECRET}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'jit', resource: options.audience }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || !body.access_token) throw new Error(`the provider refused a token for ${user}: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async sign(claims, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: header.typ ?? 'at+jwt', kid: header.kid ?? key!.kid! })
        .sign(await importJWK(key!, 'ES256'));
    },
    jwksFetches: () => fetches,
    rotate: build,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
