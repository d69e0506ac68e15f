// Discovery as the browser flow reads it: the authorization endpoint is checked like every other
// endpoint (https, or http on loopback only), with what the provider says of `iss` and PKCE.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { discover } from '../../src/login/provider.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A provider on loopback whose discovery document is `document(issuer)`. */
async function providerPublishing(document: (issuer: string) => Record<string, unknown>): Promise<string> {
  let issuer = '';
  server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(document(issuer)));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return issuer;
}

describe('discover', () => {
  it('reads the authorization endpoint, whether `iss` comes back (RFC 9207) and the PKCE methods', async () => {
    const issuer = await providerPublishing((self) => ({
      issuer: self,
      token_endpoint: `${self}/token`,
      authorization_endpoint: `${self}/auth`,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256', 7],
    }));
    expect(await discover(issuer)).toEqual({ token: `${issuer}/token`, authorization: `${issuer}/auth`, issuerInAuthorizationResponse: true, codeChallengeMethods: ['S256'] });
  });

  it('takes a provider that says nothing of `iss` or PKCE as not promising them', async () => {
    const issuer = await providerPublishing((self) => ({ issuer: self, token_endpoint: `${self}/token`, authorization_endpoint: 'https://login.example.com/auth' }));
    expect(await discover(issuer)).toEqual({ token: `${issuer}/token`, authorization: 'https://login.example.com/auth', issuerInAuthorizationResponse: false });
  });

  it('refuses an authorization endpoint in plain http off this machine (exit 69)', async () => {
    const issuer = await providerPublishing((self) => ({ issuer: self, token_endpoint: `${self}/token`, authorization_endpoint: 'http://login.example.com/auth' }));
    await expect(discover(issuer)).rejects.toMatchObject({
      exitCode: ExitCode.unavailable,
      message: `the OpenID provider ${issuer} publishes authorization endpoint "http://login.example.com/auth", which is not https`,
    });
  });
});
