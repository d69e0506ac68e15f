// The broker's proof of who calls it: access tokens from a real OpenID provider on loopback, and every
// kind of forged, stale or misdirected token the issue lists, each refused with the same error code.
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JitError } from '../../src/core/errors.js';
import { OperatorTokenVerifier, type OidcSettings } from '../../src/server/operator-token.js';
import { startOidcProvider, type OidcProvider } from '../support/oidc.js';

const AUDIENCE = 'https://jit.test/broker';
let provider: OidcProvider;
let settings: OidcSettings;

beforeAll(async () => {
  provider = await startOidcProvider({ audience: AUDIENCE, users: { alice: ['dba', 'sre'], bob: [] } });
  settings = { issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256', 'RS256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 };
});
afterAll(() => provider.close());

async function refusal(verifier: OperatorTokenVerifier, header: string | undefined): Promise<JitError> {
  const error = await verifier.verify(header).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(JitError);
  expect((error as JitError).code).toBe('unauthenticated');
  expect((error as JitError).exitCode).toBe(77);
  return error as JitError;
}

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('operator tokens', () => {
  it("accepts the provider's access token and reads the user and groups from it", async () => {
    const verifier = new OperatorTokenVerifier(settings);
    const operator = await verifier.verify(`Bearer ${await provider.token('alice')}`);
    expect(operator.name).toBe('alice');
    expect(operator.groups).toEqual(['dba', 'sre']);
    expect(operator.expiresAt).toBeGreaterThan(now());
    expect((await verifier.verify(`Bearer ${await provider.token('bob')}`)).groups).toEqual([]);
  });

  it('accepts only the clients the config names: a service with its own client is not an operator', async () => {
    const verifier = new OperatorTokenVerifier({ ...settings, clients: ['alice'] });
    expect((await verifier.verify(`Bearer ${await provider.token('alice')}`)).name).toBe('alice');
    const refused = await refusal(verifier, `Bearer ${await provider.token('bob')}`);
    expect(refused.message).toBe('the token was issued to client bob, which this broker does not accept');
  });

  it('refuses a missing, non-bearer or malformed Authorization header', async () => {
    const verifier = new OperatorTokenVerifier(settings);
    for (const header of [undefined, '', 'Basic YWxpY2U6cHc=', 'Bearer', 'Bearer a.b', 'Bearer a.b.c.d', `Bearer ${'a'.repeat(20)}.x.y extra`]) await refusal(verifier, header);
    const huge = await refusal(verifier, `Bearer ${'a'.repeat(20_000)}.b.c`);
    expect(huge.message).toMatch(/too large/);
  });

  it('refuses alg none, with or without a signature', async () => {
    const verifier = new OperatorTokenVerifier(settings);
    const body = segment({ iss: provider.issuer, aud: AUDIENCE, sub: 'alice', iat: now(), exp: now() + 300 });
    await refusal(verifier, `Bearer ${segment({ alg: 'none', typ: 'at+jwt' })}.${body}.`);
    const error = await refusal(verifier, `Bearer ${segment({ alg: 'none', typ: 'at+jwt' })}.${body}.c2lnbmF0dXJl`);
    expect(error.message).toMatch(/algorithm is not allowed/);
  });

  it("refuses HS256 keyed with the provider's public key (algorithm confusion)", async () => {
    const verifier = new OperatorTokenVerifier(settings);
    const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
    const publicKey = jwks.keys[0]!;
    const forged = await new SignJWT({ sub: 'alice', groups: ['dba'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: publicKey.kid })
      .setIssuer(provider.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(publicKey)));
    expect((await refusal(verifier, `Bearer ${forged}`)).message).toMatch(/algorithm is not allowed/);
  });

  it("refuses expired, not-yet-valid, wrong-issuer, wrong-audience and non-access tokens signed with the provider's own key", async () => {
    const verifier = new OperatorTokenVerifier(settings);
    const good = { iss: provider.issuer, aud: AUDIENCE, sub: 'alice' };
    // The good one first, so a refusal below is the claim's doing, not the key's.
    expect((await verifier.verify(`Bearer ${await provider.sign(good)}`)).name).toBe('alice');
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['expired beyond the leeway', provider.sign({ ...good, iat: now() - 600, exp: now() - 60 }), /expired/],
      ['not valid yet', provider.sign({ ...good, nbf: now() + 120 }), /nbf/],
      ['another issuer', provider.sign({ ...good, iss: 'https://evil.example' }), /iss/],
      ['another audience', provider.sign({ ...good, aud: 'https://other.example/api' }), /aud/],
      ['an ID token (typ JWT)', provider.sign(good, { typ: 'JWT' }), /typ/],
      ['no subject', provider.sign({ iss: provider.issuer, aud: AUDIENCE }), /sub/],
      ['a user name policy cannot hold', provider.sign({ ...good, sub: 'alice\nuser:root' }), /not a usable user name/],
      ['groups that are not names', provider.sign({ ...good, groups: ['dba', { admin: true }] }), /not a list of group names/],
      ['groups that is not a list', provider.sign({ ...good, groups: 'dba' }), /not a list of group names/],
    ];
    const byEmail = new OperatorTokenVerifier({ ...settings, usernameClaim: 'email' });
    cases.push(['an email the provider has not verified', provider.sign({ ...good, email: 'alice@example.com' }), /not verified/]);
    expect((await byEmail.verify(`Bearer ${await provider.sign({ ...good, email: 'alice@example.com', email_verified: true })}`)).name).toBe('alice@example.com');
    expect((await refusal(byEmail, `Bearer ${await provider.sign({ ...good, email: 'alice@example.com' })}`)).message).toMatch(/not verified/);
    cases.pop();
    for (const [, token, reason] of cases) expect((await refusal(verifier, `Bearer ${await token}`)).message).toMatch(reason);
    // Within the leeway an expiry is tolerated: clocks differ by seconds.
    expect((await verifier.verify(`Bearer ${await provider.sign({ ...good, iat: now() - 300, exp: now() - 10 })}`)).name).toBe('alice');
  });

  it('refuses tokens signed by another key, and a flood of unknown key ids costs one key-set fetch', async () => {
    const verifier = new OperatorTokenVerifier(settings);
    await verifier.verify(`Bearer ${await provider.token('alice')}`);
    const before = provider.jwksFetches();
    const { privateKey } = await generateKeyPair('ES256');
    for (let index = 0; index < 50; index++) {
      const forged = await new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: `unknown-${index}` })
        .setIssuer(provider.issuer)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      await refusal(verifier, `Bearer ${forged}`);
    }
    expect(provider.jwksFetches() - before).toBeLessThanOrEqual(1);
  });

  it("follows the provider's key rotation once the refetch cooldown has passed", async () => {
    const verifier = new OperatorTokenVerifier(settings, { keyRefetchCooldownMs: 500 });
    await verifier.verify(`Bearer ${await provider.token('alice')}`);
    await provider.rotate();
    const rotated = `Bearer ${await provider.token('alice')}`;
    // Right after a fetch the new key is not looked for: that is what bounds a flood of unknown kids.
    await refusal(verifier, rotated);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await verifier.verify(rotated)).name).toBe('alice');
  });

  it('refuses a provider whose discovery document names another issuer', async () => {
    const verifier = new OperatorTokenVerifier({ ...settings, issuer: `${provider.issuer}/` });
    const error = await verifier.verify(`Bearer ${await provider.token('alice')}`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JitError);
    expect((error as JitError).code).toBe('config');
    expect((error as JitError).message).toMatch(/calls itself/);
  });

  it('an unreachable provider is "unavailable", not a verdict on the token, and a burst of requests asks it once', async () => {
    let discoveries = 0;
    const { createServer } = await import('node:http');
    const down = createServer((_request, response) => {
      discoveries++;
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(down.address() as { port: number }).port}`;
    const verifier = new OperatorTokenVerifier({ ...settings, issuer });
    for (let attempt = 0; attempt < 20; attempt++) {
      const error = await verifier.verify(`Bearer ${await provider.token('alice')}`).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(JitError);
      expect((error as JitError).code).toBe('unavailable');
    }
    expect(discoveries).toBe(1);
    await new Promise<void>((resolve) => down.close(() => resolve()));
  });
});
