// The browser flow's request and the judgement of what comes back (RFC 6749 §4.1, PKCE RFC 7636,
// native apps RFC 8252, issuer identification RFC 9207). No I/O here but the random bytes: the
// loopback listener asks `judgeCallback` about each request and acts on the verdict.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { JitError, displayValue } from '../core/errors.js';
import { refusal, type LoginSettings, type ProviderEndpoints } from './provider.js';

/** What only this login knows: the PKCE verifier (stays here) and the state (travels with the browser). */
export interface LoginSecrets {
  verifier: string;
  state: string;
}

export function newLoginSecrets(): LoginSecrets {
  // SECURITY: 32 random bytes each, base64url: 43 characters, 256 bits (RFC 7636 §4.1, §7.1).
  return { verifier: randomBytes(32).toString('base64url'), state: randomBytes(32).toString('base64url') };
}

/** RFC 7636 §4.2, S256: BASE64URL(SHA256(verifier)). */
export function codeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** The address the operator opens: the provider's authorization endpoint with this login's parameters. */
export function authorizationUrl(settings: LoginSettings, endpoints: ProviderEndpoints, secrets: LoginSecrets, redirectUri: string): string {
  if (!endpoints.authorization) {
    throw new JitError('usage', `the OpenID provider ${settings.issuer} offers no authorization endpoint for a browser login`, { hint: 'use `jit login` (the device flow)' });
  }
  // SECURITY: S256 only, never plain. A provider that publishes its methods without S256 would ignore
  // the challenge, and a stolen code would then be as good as the tokens.
  if (endpoints.codeChallengeMethods && !endpoints.codeChallengeMethods.includes('S256')) {
    throw new JitError('unavailable', `the OpenID provider ${settings.issuer} does not offer PKCE with S256`, { hint: 'use `jit login` (the device flow), or ask whoever runs the provider' });
  }
  const url = new URL(endpoints.authorization);
  const params = {
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri,
    scope: settings.scopes,
    // RFC 8707: tokens for the broker, as the device flow asks.
    resource: settings.audience,
    state: secrets.state,
    code_challenge: codeChallenge(secrets.verifier),
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  // OpenID Connect Core §11: a refresh token (offline_access) is granted only with prompt=consent.
  if (settings.scopes.split(' ').includes('offline_access')) url.searchParams.set('prompt', 'consent');
  return url.toString();
}

/** What to do with one request to the callback: a plain value, carried out by the listener. */
export type CallbackVerdict =
  /** This login's code: the wait is over. */
  | { kind: 'code'; code: string }
  /** This login's answer, and it is no: the wait is over, with this error. */
  | { kind: 'refused'; error: JitError }
  /** Not this login's answer (no or another state): an error page, and the wait goes on. */
  | { kind: 'ignored'; reason: string };

/** The one value of a parameter, or undefined when it is missing or given more than once. */
function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // SECURITY: compared in constant time; only the length (public: 43 characters) can leak.
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 6749 §4.1.2.1: error_description is printable ASCII; anything else is shown escaped, and cut short. */
function described(query: URLSearchParams): string {
  const description = single(query, 'error_description');
  return description ? `: ${displayValue(description, 200)}` : '';
}

export function judgeCallback(query: URLSearchParams, expected: { state: string; issuer: string; issuerRequired: boolean }): CallbackVerdict {
  const state = single(query, 'state');
  // SECURITY: without this login's state the request is not the provider's answer (a forged redirect,
  // CSRF, another program on this machine): it neither logs in nor ends the login.
  if (state === undefined || !sameSecret(state, expected.state)) return { kind: 'ignored', reason: 'this is not the answer to the login jit is waiting for' };
  const named = query.getAll('iss');
  // SECURITY: RFC 9207 against mix-up: an answer naming another issuer (or several), or none where the
  // provider promised to, was not meant for this login's token endpoint; the state shows the login went astray.
  const mixedUp = named.length > 1 || (named.length === 1 ? named[0] !== expected.issuer : expected.issuerRequired);
  if (mixedUp) {
    const from = named.length === 0 ? 'an issuer that does not name itself' : named.map((name) => displayValue(name)).join(', ');
    return { kind: 'refused', error: new JitError('unauthenticated', `the login came back from ${from}, not from ${expected.issuer}`, { hint: 'run `jit login --browser` again; if it persists, tell whoever runs the broker' }) };
  }
  if (query.has('error')) {
    const code = refusal({ error: single(query, 'error') });
    if (code === 'access_denied') return { kind: 'refused', error: new JitError('denied', `the login was refused in the browser${described(query)}`, { hint: 'run `jit login --browser` again and allow jit access' }) };
    return { kind: 'refused', error: new JitError('unauthenticated', `the OpenID provider refused the login: ${code}${described(query)}`, { hint: 'run `jit login --browser` again; if it persists, ask whoever runs the broker to check its client' }) };
  }
  const code = single(query, 'code');
  // RFC 6749 §A.11: a code is visible ASCII; a bound keeps a hostile one from filling the token request.
  if (code === undefined || !/^[\x20-\x7e]{1,4096}$/.test(code)) {
    return { kind: 'refused', error: new JitError('unavailable', `the OpenID provider ${expected.issuer} answered the login without a usable code`, { hint: 'run `jit login --browser` again' }) };
  }
  return { kind: 'code', code };
}
