// A real OpenID provider (oidc-provider) on loopback, on a port chosen at run time. Each test user is a
// client that obtains RFC 9068 access tokens (`at+jwt`, ES256) for the broker's audience with the
// client-credentials grant; its `sub` is the user's name and its `groups` claim what the test says.
// The public client `jit-cli` logs people in with the device flow (RFC 8628) or, as a native app, with
// the authorization code flow and PKCE on a loopback redirect (RFC 8252): `browse` plays the person at
// the browser, who confirms (or refuses) and is taken for the user named. The signing key can be
// rotated; requests for the key set are counted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';

/** The public client `jit login` uses at this provider. */
export const CLI_CLIENT_ID = 'jit-cli';
/** The scopes it asks for: `jit` is this provider's scope for the broker's audience. */
export const CLI_SCOPES = 'openid offline_access jit';

export interface OidcProvider {
  issuer: string;
  /**
   * Opens `url` as a person at a browser would, logged in as `user`, and confirms what it is asked (or
   * refuses it, with `refuse`). Resolves with the page it ends on, which may be jit's loopback callback.
   */
  browse(url: string, user: string, options?: { refuse?: boolean }): Promise<LastPage>;
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

/** Where a browse ended: the address and status of the last page, which asked nothing more. */
export interface LastPage {
  url: string;
  status: number;
}

const SECRET = 'test-client-secret-that-is-long-enough';

async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `k${Math.random().toString(36).slice(2, 10)}`, alg: 'ES256', use: 'sig' };
}

export async function startOidcProvider(options: { audience: string; users: Record<string, string[]>; accessTokenTtl?: number }): Promise<OidcProvider> {
  let fetches = 0;
  let handler: ReturnType<Provider['callback']> | undefined;
  let provider: Provider | undefined;
  let key: JWK | undefined;
  const server: Server = createServer((request, response) => {
    if (request.url?.startsWith('/jwks')) fetches++;
    // The login and consent pages: the user the browsing test names is logged in and consents to all asked.
    if (request.url?.startsWith('/interaction/')) return void finishInteraction(provider!, request, response);
    handler!(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const build = async () => {
    key = await signingKey();
    provider = new Provider(issuer, {
      clients: [
        ...Object.keys(options.users).map((user) => ({ client_id: user, client_secret: SECRET, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], id_token_signed_response_alg: 'ES256' as const })),
        // RFC 8252 §7.3: a native client's loopback redirect URI matches on any port (oidc-provider
        // ignores the port of an http://127.0.0.1 URI for application_type native); PKCE is required of
        // it, as of every public client.
        {
          client_id: CLI_CLIENT_ID,
          token_endpoint_auth_method: 'none',
          application_type: 'native',
          grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'authorization_code', 'refresh_token'],
          redirect_uris: ['http://127.0.0.1/callback'],
          response_types: ['code'],
          id_token_signed_response_alg: 'ES256' as const,
        },
      ],
      jwks: { keys: [key] },
      findAccount: (_context, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
      interactions: { url: (_context, interaction) => `/interaction/${interaction.uid}` },
      scopes: ['openid', 'offline_access', 'jit'],
      features: {
        clientCredentials: { enabled: true },
        deviceFlow: { enabled: true },
        revocation: { enabled: true },
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => options.audience,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: 'jit', audience: options.audience, accessTokenTTL: options.accessTokenTtl ?? 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
        },
      },
      extraTokenClaims: (_context, token) => {
        const { accountId, clientId } = token as { accountId?: string; clientId?: string };
        return { groups: options.users[accountId ?? clientId ?? ''] ?? [] };
      },
    });
    handler = provider.callback();
  };
  await build();

  return {
    issuer,
    browse: (url, user, browsing = {}) => browse(url, user, issuer, browsing.refuse ?? false),
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

/** Who the browser is: its requests to the provider carry this header, read by the interaction page. */
const USER_HEADER = 'x-test-user';
/** Set by a browser whose person refuses: the interaction ends with access_denied. */
const REFUSE_HEADER = 'x-test-refuse';

async function finishInteraction(provider: Provider, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const details = await provider.interactionDetails(request, response);
    const user = String(request.headers[USER_HEADER] ?? '');
    let result: Record<string, unknown>;
    if (request.headers[REFUSE_HEADER] === '1') {
      result = { error: 'access_denied', error_description: 'End-User refused the login' };
    } else if (details.prompt.name === 'login') {
      result = { login: { accountId: user } };
    } else {
      const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const missing = (details.prompt.details.missingResourceScopes ?? {}) as Record<string, string[]>;
      for (const [resource, scopes] of Object.entries(missing)) grant.addResourceScope(resource, scopes.join(' '));
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(request, response, result, { mergeWithLastSubmission: true });
  } catch (error) {
    response.statusCode = 500;
    response.end(String(error));
  }
}

/**
 * A person at a browser: follows redirects with cookies, submits the confirmation form each page
 * shows (its abort button only when refusing), and stops at the page that asks nothing more. Bounded in steps.
 * A page of the provider's other than 200 is an error; a page elsewhere (jit's callback) is returned.
 */
async function browse(start: string, user: string, issuer: string, refuse: boolean): Promise<LastPage> {
  const cookies = new Map<string, string>();
  let next: { url: string; method: string; body?: URLSearchParams } | undefined = { url: start, method: 'GET' };
  let aborted = false;
  for (let step = 0; step < 20 && next; step++) {
    const response: Response = await fetch(next.url, {
      method: next.method,
      redirect: 'manual',
      headers: { [USER_HEADER]: user, ...(refuse ? { [REFUSE_HEADER]: '1' } : {}), cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '), ...(next.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(next.body ? { body: next.body } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      cookies.set(name!.trim(), value.join('='));
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      next = { url: new URL(location, next.url).toString(), method: 'GET' };
      continue;
    }
    const html = await response.text();
    const atProvider = new URL(next.url).origin === new URL(issuer).origin;
    if (atProvider && response.status !== 200) throw new Error(`the provider answered ${response.status} at ${next.url}: ${html.slice(0, 300)}`);
    const form = /<form[^>]*id="op\.device(?:Confirm|Input)Form"[^>]*>([\s\S]*?)<\/form>/.exec(html) ?? /<form[^>]*>([\s\S]*?)<\/form>/.exec(html);
    // After the abort button, the provider offers to enter a code again: the person has said no and stops here.
    if (!form || !atProvider || aborted) return { url: next.url, status: response.status };
    const action: string = /action="([^"]*)"/.exec(form[0])?.[1] ?? next.url;
    const fields = new URLSearchParams();
    for (const input of form[1]!.matchAll(/<input[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      if (name) fields.set(name, /value="([^"]*)"/.exec(input[0])?.[1] ?? '');
    }
    // Refusing a device code is the confirmation page's abort button.
    if (refuse && form[0].includes('id="op.deviceConfirmForm"')) {
      fields.set('abort', 'yes');
      aborted = true;
    }
    next = { url: new URL(action, next.url).toString(), method: 'POST', body: fields };
  }
  throw new Error(`the browse from ${start} did not end within 20 steps`);
}
