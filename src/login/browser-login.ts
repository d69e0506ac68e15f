// `jit login --browser`: the authorization code flow with PKCE (RFC 7636) on a loopback redirect
// (RFC 8252), from the address the operator opens to the tokens the device flow would have given.
import { authorizationUrl, judgeCallback, newLoginSecrets } from './authorization-code.js';
import { receiveCode } from './loopback-redirect.js';
import { exchangeCode, type LoginSettings, type ProviderEndpoints, type TokenSet } from './provider.js';

/** How long the browser has to come back: ample for a login with a second factor, bounded all the same. */
export const BROWSER_LOGIN_TIMEOUT_MS = 5 * 60_000;

export interface BrowserLoginOptions {
  /** Shows the operator the authorization URL (and may open a browser at it). */
  show(url: string): void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export async function loginWithBrowser(settings: LoginSettings, endpoints: ProviderEndpoints, options: BrowserLoginOptions): Promise<TokenSet> {
  const secrets = newLoginSecrets();
  const { code, redirectUri } = await receiveCode({
    judge: (query) => judgeCallback(query, { state: secrets.state, issuer: settings.issuer, issuerRequired: endpoints.issuerInAuthorizationResponse }),
    listening: (redirectUri) => options.show(authorizationUrl(settings, endpoints, secrets, redirectUri)),
    timeoutMs: options.timeoutMs ?? BROWSER_LOGIN_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // SECURITY: the verifier leaves this process only now, to the token endpoint: a code intercepted on the way back is useless without it.
  return exchangeCode(settings, endpoints, { code, verifier: secrets.verifier, redirectUri });
}
