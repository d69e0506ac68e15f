// An OpenID issuer's signing keys, as a verifier needs them: found through the issuer's discovery
// document (which must name the issuer itself), fetched lazily, kept, and refetched for an unknown key
// id at most once per cooldown. The team's provider and each CI issuer a policy trusts have one each.
import { createRemoteJWKSet } from 'jose';
import { JitError } from '../core/errors.js';

export type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** The provider's keys are fetched at most once per this interval for unknown key ids: a flood of forged kids costs one fetch. */
export const JWKS_COOLDOWN_MS = 30_000;
const JWKS_CACHE_MS = 10 * 60_000;
/** After a failed discovery, requests fail fast for this long instead of each asking the issuer again. */
const DISCOVERY_RETRY_MS = 5_000;
const FETCH_TIMEOUT_MS = 5_000;

/** Reads the issuer's discovery document once and checks that it speaks for that issuer. */
async function discoverJwksUri(issuer: string, settingName: string): Promise<URL> {
  const url = new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' }).catch((error: unknown) => {
    throw new JitError('unavailable', `the OpenID provider ${issuer} cannot be reached`, { hint: `check ${settingName} and that the provider is up`, cause: error });
  });
  if (!response.ok) throw new JitError('unavailable', `the OpenID provider ${issuer} answered ${response.status} for its discovery document`, { hint: `check ${settingName}` });
  const document = (await response.json().catch(() => ({}))) as { issuer?: unknown; jwks_uri?: unknown };
  // SECURITY: a discovery document naming another issuer would let that issuer's keys vouch for ours (OpenID Discovery §4.3).
  if (document.issuer !== issuer) throw new JitError('config', `the OpenID provider at ${issuer} calls itself ${String(document.issuer)}`, { hint: `set ${settingName} to the exact issuer URL the provider publishes` });
  if (typeof document.jwks_uri !== 'string') throw new JitError('unavailable', `the OpenID provider ${issuer} publishes no jwks_uri`);
  return new URL(document.jwks_uri);
}

export class IssuerKeys {
  readonly #issuer: string;
  readonly #settingName: string;
  readonly #cooldownMs: number;
  #keys: Promise<KeySet> | undefined;
  #discoveryFailedAt = 0;

  /** `settingName`: where the issuer is configured, for the hint of an error. `cooldownMs` is shorter only in tests. */
  constructor(issuer: string, settingName: string, cooldownMs = JWKS_COOLDOWN_MS) {
    this.#issuer = issuer;
    this.#settingName = settingName;
    this.#cooldownMs = cooldownMs;
  }

  get(): Promise<KeySet> {
    // SECURITY: while the issuer is down, a stream of requests does not become a stream of fetches.
    if (!this.#keys && Date.now() - this.#discoveryFailedAt < DISCOVERY_RETRY_MS) {
      return Promise.reject(new JitError('unavailable', `the OpenID provider ${this.#issuer} could not be reached a moment ago`, { hint: 'try again shortly' }));
    }
    this.#keys ??= discoverJwksUri(this.#issuer, this.#settingName)
      .then((uri) => createRemoteJWKSet(uri, { cooldownDuration: this.#cooldownMs, cacheMaxAge: JWKS_CACHE_MS, timeoutDuration: FETCH_TIMEOUT_MS }))
      .catch((error: unknown) => {
        this.#keys = undefined; // a request after the retry interval tries discovery again
        this.#discoveryFailedAt = Date.now();
        throw error;
      });
    return this.#keys;
  }
}
