// The operator's OpenID provider as `jit login` talks to it: discovery, the device flow (RFC 8628), the
// code exchange of the browser flow (RFC 6749 §4.1 with PKCE, RFC 7636) and refresh. The provider is
// named by the broker (/v1/login), whose TLS the CLI has already checked.
import { JitError, displayValue } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';

/** Where to log in for a broker: what its /v1/login publishes. */
export interface LoginSettings {
  issuer: string;
  audience: string;
  clientId: string;
  /** What `jit login` asks for: the provider's scope for the broker, and offline_access for a refresh token. */
  scopes: string;
}

export interface ProviderEndpoints {
  token: string;
  authorization?: string;
  deviceAuthorization?: string;
  revocation?: string;
  /** RFC 9207: the provider names itself (`iss`) in every authorization response, so one without it is refused. */
  issuerInAuthorizationResponse: boolean;
  /** The PKCE methods it publishes (RFC 8414 code_challenge_methods_supported); undefined when it says nothing. */
  codeChallengeMethods?: string[];
}

/** What a login yields; kept in the keychain, never in a file. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** Unix seconds. */
  expiresAt: number;
}

const FETCH_TIMEOUT_MS = 10_000;

function unreachable(issuer: string, error: unknown): JitError {
  return new JitError('unavailable', `the OpenID provider ${issuer} cannot be reached`, { hint: 'check your network, then try `jit login` again', cause: error });
}

/** A provider URL must not send tokens in the clear: https, or http on this machine only. */
function checkedUrl(text: unknown, what: string, issuer: string): string {
  if (typeof text !== 'string' || !URL.canParse(text)) throw new JitError('unavailable', `the OpenID provider ${issuer} publishes no usable ${what}`);
  const url = new URL(text);
  // SECURITY: the device code, the authorization code and the refresh token cross this connection.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new JitError('unavailable', `the OpenID provider ${issuer} publishes ${what} ${displayValue(text)}, which is not https`, { hint: 'ask whoever runs the provider' });
  }
  return text;
}

export async function discover(issuer: string): Promise<ProviderEndpoints> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' }).catch((error: unknown) => {
    throw unreachable(issuer, error);
  });
  if (!response.ok) throw new JitError('unavailable', `the OpenID provider ${issuer} answered ${response.status} for its discovery document`, { hint: 'ask whoever runs the broker to check oidc.issuer' });
  const document = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  // SECURITY: a document naming another issuer would let that issuer's tokens pass as ours (OpenID Discovery §4.3).
  if (document.issuer !== issuer) throw new JitError('unavailable', `the OpenID provider at ${issuer} calls itself ${displayValue(String(document.issuer))}`, { hint: 'ask whoever runs the broker to check oidc.issuer' });
  return {
    token: checkedUrl(document.token_endpoint, 'token endpoint', issuer),
    ...(document.authorization_endpoint === undefined ? {} : { authorization: checkedUrl(document.authorization_endpoint, 'authorization endpoint', issuer) }),
    ...(document.device_authorization_endpoint === undefined ? {} : { deviceAuthorization: checkedUrl(document.device_authorization_endpoint, 'device authorization endpoint', issuer) }),
    ...(document.revocation_endpoint === undefined ? {} : { revocation: checkedUrl(document.revocation_endpoint, 'revocation endpoint', issuer) }),
    issuerInAuthorizationResponse: document.authorization_response_iss_parameter_supported === true,
    ...(Array.isArray(document.code_challenge_methods_supported) ? { codeChallengeMethods: document.code_challenge_methods_supported.filter((method): method is string => typeof method === 'string') } : {}),
  };
}

async function post(url: string, form: Record<string, string>, issuer: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    redirect: 'error',
  }).catch((error: unknown) => {
    throw unreachable(issuer, error);
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, body };
}

function tokenSet(body: Record<string, unknown>, issuer: string, previousRefresh: string | null, now: () => number): TokenSet {
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0 || accessToken.length > 16 * 1024) {
    throw new JitError('unavailable', `the OpenID provider ${issuer} answered without a usable access token`);
  }
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
  // A provider that rotates refresh tokens sends a new one; one that does not keeps the old valid.
  const refreshToken = typeof body.refresh_token === 'string' ? body.refresh_token : previousRefresh;
  return { accessToken, refreshToken, expiresAt: Math.floor(now() / 1000) + expiresIn };
}

/** The provider's refusal in words, without echoing anything it sent back verbatim beyond its error code. */
export function refusal(body: Record<string, unknown>): string {
  const code = typeof body.error === 'string' && /^[a-z_]{1,64}$/.test(body.error) ? body.error : 'an error';
  return code;
}

export interface DeviceCode {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | undefined;
  intervalSeconds: number;
  expiresAt: number;
}

/** Step one of RFC 8628: a code for the operator to confirm in a browser, anywhere. */
export async function startDeviceLogin(settings: LoginSettings, endpoints: ProviderEndpoints, now: () => number = Date.now): Promise<DeviceCode> {
  if (!endpoints.deviceAuthorization) {
    throw new JitError('usage', `the OpenID provider ${settings.issuer} offers no device flow`, { hint: 'use `jit login --browser` on a machine with a browser' });
  }
  const { status, body } = await post(endpoints.deviceAuthorization, { client_id: settings.clientId, scope: settings.scopes, resource: settings.audience }, settings.issuer);
  if (status !== 200) throw new JitError('unauthenticated', `the OpenID provider refused to start a device login: ${refusal(body)}`, { hint: `ask whoever runs the broker whether client ${settings.clientId} may use the device flow` });
  const { device_code: deviceCode, user_code: userCode, verification_uri: verificationUri, verification_uri_complete: complete, interval, expires_in: expiresIn } = body;
  if (typeof deviceCode !== 'string' || typeof userCode !== 'string' || !/^[A-Za-z0-9 -]{1,32}$/.test(userCode) || typeof expiresIn !== 'number') {
    throw new JitError('unavailable', `the OpenID provider ${settings.issuer} answered the device login with something else`);
  }
  return {
    deviceCode,
    userCode,
    verificationUri: checkedUrl(verificationUri, 'verification URI', settings.issuer),
    verificationUriComplete: complete === undefined ? undefined : checkedUrl(complete, 'verification URI', settings.issuer),
    intervalSeconds: typeof interval === 'number' && interval >= 1 ? Math.min(interval, 60) : 5,
    expiresAt: now() + Math.min(expiresIn, 30 * 60) * 1000,
  };
}

/** Step two: polls until the operator has confirmed, refused, or the code has expired (bounded by it). */
export async function finishDeviceLogin(settings: LoginSettings, endpoints: ProviderEndpoints, code: DeviceCode, options: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {}): Promise<TokenSet> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let intervalMs = code.intervalSeconds * 1000;
  while (now() < code.expiresAt) {
    await sleep(intervalMs);
    const { status, body } = await post(endpoints.token, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: code.deviceCode, client_id: settings.clientId }, settings.issuer);
    if (status === 200) return tokenSet(body, settings.issuer, null, now);
    if (body.error === 'authorization_pending') continue;
    // RFC 8628 §3.5: slow_down adds five seconds to every later interval.
    if (body.error === 'slow_down') {
      intervalMs += 5000;
      continue;
    }
    if (body.error === 'access_denied') throw new JitError('denied', 'the login was refused in the browser', { hint: 'run `jit login` again to start over' });
    if (body.error === 'expired_token') break;
    throw new JitError('unauthenticated', `the OpenID provider refused the device login: ${refusal(body)}`, { hint: 'run `jit login` again' });
  }
  throw new JitError('unauthenticated', 'the device code expired before the login was confirmed', { hint: 'run `jit login` again and confirm the code in time' });
}

/** The browser flow's last step: the code the loopback redirect received, for tokens, proven by the PKCE verifier. */
export async function exchangeCode(settings: LoginSettings, endpoints: ProviderEndpoints, grant: { code: string; verifier: string; redirectUri: string }, now: () => number = Date.now): Promise<TokenSet> {
  const { status, body } = await post(
    endpoints.token,
    // RFC 6749 §4.1.3: redirect_uri exactly as the authorization request sent it; RFC 8707: the broker as the audience.
    { grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri, code_verifier: grant.verifier, client_id: settings.clientId, resource: settings.audience },
    settings.issuer,
  );
  if (status !== 200) throw new JitError('unauthenticated', `the OpenID provider refused the login code: ${refusal(body)}`, { hint: 'run `jit login --browser` again' });
  return tokenSet(body, settings.issuer, null, now);
}

/** A fresh access token from the refresh token; an `unauthenticated` JitError when the login has lapsed. */
export async function refresh(settings: LoginSettings, endpoints: ProviderEndpoints, tokens: TokenSet, now: () => number = Date.now): Promise<TokenSet> {
  if (!tokens.refreshToken) throw new JitError('unauthenticated', 'your login has expired', { hint: 'run `jit login`' });
  const { status, body } = await post(endpoints.token, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken, client_id: settings.clientId, resource: settings.audience }, settings.issuer);
  if (status !== 200) throw new JitError('unauthenticated', `your login has expired (the provider answered ${refusal(body)})`, { hint: 'run `jit login`' });
  return tokenSet(body, settings.issuer, tokens.refreshToken, now);
}

/** Best effort: a provider that offers revocation forgets the refresh token (RFC 7009). */
export async function revokeRefreshToken(settings: LoginSettings, endpoints: ProviderEndpoints, tokens: TokenSet): Promise<boolean> {
  if (!endpoints.revocation || !tokens.refreshToken) return false;
  const { status } = await post(endpoints.revocation, { token: tokens.refreshToken, token_type_hint: 'refresh_token', client_id: settings.clientId }, settings.issuer);
  return status === 200;
}
