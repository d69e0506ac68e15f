// The browser flow's request and what counts as its answer: PKCE S256 (RFC 7636), the state, and the
// issuer in the response (RFC 9207). Plain values in, plain values out.
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { authorizationUrl, codeChallenge, judgeCallback, newLoginSecrets } from '../../src/login/authorization-code.js';
import type { LoginSettings, ProviderEndpoints } from '../../src/login/provider.js';

const settings: LoginSettings = { issuer: 'https://login.example.com', audience: 'https://jit.example.com', clientId: 'jit-cli', scopes: 'openid offline_access jit' };
const endpoints: ProviderEndpoints = { token: 'https://login.example.com/token', authorization: 'https://login.example.com/authorize?tenant=acme', issuerInAuthorizationResponse: true };
const STATE = 'u2VwYtM0Xl3Qd4mC2Zb9yq8f5r7o1n6k0j3h2g4s5a8';
const expected = { state: STATE, issuer: settings.issuer, issuerRequired: true };
const query = (params: Record<string, string> | [string, string][]) => new URLSearchParams(params);

describe('PKCE and state', () => {
  it('S256 is BASE64URL(SHA-256(verifier)): the example of RFC 7636 Appendix B', () => {
    expect(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('the verifier and the state are 32 random bytes each, base64url, new for every login', () => {
    const one = newLoginSecrets();
    const two = newLoginSecrets();
    for (const value of [one.verifier, one.state]) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([one.verifier, one.state, two.verifier, two.state]).size).toBe(4);
  });
});

describe('authorizationUrl', () => {
  const secrets = { verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', state: STATE };

  it('asks for a code with the S256 challenge, the state, the loopback redirect, the scopes and the broker as resource', () => {
    const url = new URL(authorizationUrl(settings, endpoints, secrets, 'http://127.0.0.1:49152/callback'));
    expect(url.origin + url.pathname).toBe('https://login.example.com/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: 'acme',
      response_type: 'code',
      client_id: 'jit-cli',
      redirect_uri: 'http://127.0.0.1:49152/callback',
      scope: 'openid offline_access jit',
      resource: 'https://jit.example.com',
      state: STATE,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      // OpenID Connect Core §11: offline_access is granted only with consent asked for.
      prompt: 'consent',
    });
  });

  it('asks for no consent prompt when no refresh token is asked for', () => {
    const url = new URL(authorizationUrl({ ...settings, scopes: 'openid jit' }, endpoints, secrets, 'http://127.0.0.1:49152/callback'));
    expect(url.searchParams.has('prompt')).toBe(false);
  });

  it('refuses a provider that publishes its PKCE methods without S256 (exit 69), and one with no authorization endpoint (exit 64)', () => {
    expect(() => authorizationUrl(settings, { ...endpoints, codeChallengeMethods: ['plain'] }, secrets, 'http://127.0.0.1:1/callback')).toThrow(
      expect.objectContaining({ exitCode: ExitCode.unavailable, message: 'the OpenID provider https://login.example.com does not offer PKCE with S256' }),
    );
    const { authorization: _, ...withoutAuthorization } = endpoints;
    expect(() => authorizationUrl(settings, withoutAuthorization, secrets, 'http://127.0.0.1:1/callback')).toThrow(expect.objectContaining({ exitCode: ExitCode.usage, hint: 'use `jit login` (the device flow)' }));
  });
});

describe('judgeCallback', () => {
  it('takes the code of the answer that carries this login\'s state and issuer', () => {
    expect(judgeCallback(query({ code: 'abc.DEF-123', state: STATE, iss: settings.issuer }), expected)).toEqual({ kind: 'code', code: 'abc.DEF-123' });
    // A provider that never promised `iss` may leave it out.
    expect(judgeCallback(query({ code: 'abc', state: STATE }), { ...expected, issuerRequired: false })).toEqual({ kind: 'code', code: 'abc' });
  });

  it.each([
    ['no state', { code: 'abc', iss: settings.issuer }],
    ['another state', { code: 'abc', state: `${STATE.slice(0, -1)}x`, iss: settings.issuer }],
    ['a state of another length', { code: 'abc', state: 'short', iss: settings.issuer }],
    ['a refusal with another state', { error: 'access_denied', state: 'forged' }],
  ])('ignores an answer with %s: an error page, and the login goes on waiting', (_case, params) => {
    expect(judgeCallback(query(params), expected)).toMatchObject({ kind: 'ignored' });
  });

  it('ignores the state given twice, even when one of them is right', () => {
    expect(judgeCallback(query([['code', 'abc'], ['state', STATE], ['state', 'other']]), expected)).toMatchObject({ kind: 'ignored' });
  });

  it.each([
    ['another issuer', { code: 'abc', state: STATE, iss: 'https://evil.example' }, 'the login came back from "https://evil.example", not from https://login.example.com'],
    ['no issuer where the provider promised one', { code: 'abc', state: STATE }, 'the login came back from an issuer that does not name itself, not from https://login.example.com'],
  ])('ends the login on an answer from %s (RFC 9207 mix-up): exit 77', (_case, params, message) => {
    const verdict = judgeCallback(query(params), expected);
    expect(verdict).toMatchObject({ kind: 'refused', error: { message, exitCode: ExitCode.denied } });
  });

  it('ends the login on access_denied with exit 77 and the provider\'s description, escaped and cut short', () => {
    const verdict = judgeCallback(query({ error: 'access_denied', error_description: `No\u001b[31m thanks\u202e${'x'.repeat(300)}`, state: STATE, iss: settings.issuer }), expected);
    expect(verdict.kind).toBe('refused');
    const error = verdict.kind === 'refused' ? verdict.error : undefined;
    expect(error?.exitCode).toBe(ExitCode.denied);
    expect(error?.message).toMatch(/^the login was refused in the browser: "No\\u001b\[31m thanks\\u202ex+…"$/);
    expect(error?.message.length).toBeLessThan(260);
  });

  it('ends the login on any other error with its code only when the code is well formed (exit 77)', () => {
    expect(judgeCallback(query({ error: 'invalid_scope', state: STATE, iss: settings.issuer }), expected)).toMatchObject({ kind: 'refused', error: { message: 'the OpenID provider refused the login: invalid_scope', exitCode: ExitCode.denied } });
    expect(judgeCallback(query({ error: '<script>', state: STATE, iss: settings.issuer }), expected)).toMatchObject({ kind: 'refused', error: { message: 'the OpenID provider refused the login: an error' } });
  });

  it.each([
    ['no code', {}],
    ['an empty code', { code: '' }],
    ['a code with control characters', { code: 'a\nb' }],
    ['an absurdly long code', { code: 'a'.repeat(5000) }],
  ])('ends the login on this login\'s answer with %s (exit 69)', (_case, params) => {
    expect(judgeCallback(query({ ...params, state: STATE, iss: settings.issuer }), expected)).toMatchObject({ kind: 'refused', error: { exitCode: ExitCode.unavailable } });
  });
});
