// Who is calling the broker: an OAuth access token (RFC 9068, `at+jwt`) from the team's OpenID
// provider, verified against the provider's published keys. The broker trusts nothing else the
// client says about who it is.
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { JitError } from '../core/errors.js';
import { IssuerKeys, JWKS_COOLDOWN_MS } from './issuer-keys.js';

export interface OidcSettings {
  /** The provider's issuer URL, exactly as its discovery document and its tokens name it. */
  issuer: string;
  /** This broker's identifier: tokens must be issued for it (`aud`). */
  audience: string;
  /** Asymmetric algorithms only: a symmetric one would let anyone holding the verification key mint tokens. */
  algorithms: string[];
  /**
   * The claim whose value policy `user:` rules match. `sub` is the provider's own; `email` counts only
   * with `email_verified: true`; a claim users may set themselves (often preferred_username) would let
   * one operator become another.
   */
  usernameClaim: string;
  /** The claim holding the operator's groups, matched by policy `group:` rules. */
  groupsClaim: string;
  /** Clock skew tolerated on exp, nbf and iat. */
  leewaySeconds: number;
  /**
   * The clients whose tokens are accepted (their `client_id`): the CLI's, and any automation named on
   * purpose. Absent, any client of the provider whose token names this broker is.
   */
  clients?: readonly string[];
}

export interface VerifiedOperator {
  name: string;
  groups: string[];
  /** The token's expiry, Unix seconds: a session on the broker never outlives the proof of who asked. */
  expiresAt: number;
}

/** Names and group names as policy rules can hold them; anything else in a token is refused, not matched. */
const IDENTITY_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
const MAX_GROUPS = 256;
/** Far above any real access token: a bigger one is refused before it is parsed. */
export const MAX_TOKEN_BYTES = 16 * 1024;

function unauthenticated(message: string): JitError {
  return new JitError('unauthenticated', message, { hint: 'run `jit login`, then try again' });
}

/**
 * Verifies bearer tokens. The key set is fetched lazily and kept; a token signed with a key id not in
 * it causes one refetch per cooldown (key rotation), never one per token.
 */
export class OperatorTokenVerifier {
  readonly #settings: OidcSettings;
  readonly #keys: IssuerKeys;

  /** `keyRefetchCooldownMs`: shorter only in tests, which cannot wait half a minute for a rotation. */
  constructor(settings: OidcSettings, { keyRefetchCooldownMs = JWKS_COOLDOWN_MS } = {}) {
    this.#settings = settings;
    this.#keys = new IssuerKeys(settings.issuer, 'oidc.issuer in the broker config', keyRefetchCooldownMs);
  }

  get issuer(): string {
    return this.#settings.issuer;
  }

  /** Whether the provider's keys can be had: the broker is not ready to serve without them. */
  async ready(): Promise<void> {
    await this.#keys.get();
  }

  /** The operator an `Authorization` header proves; a JitError('unauthenticated') for anything short of a valid token. */
  async verify(authorization: string | undefined): Promise<VerifiedOperator> {
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
    if (!match) throw unauthenticated('the broker needs a bearer token');
    const token = match[1]!;
    if (token.length > MAX_TOKEN_BYTES) throw unauthenticated('the bearer token is too large');
    const keys = await this.#keys.get();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.#settings.issuer,
        audience: this.#settings.audience,
        // SECURITY: the allow-list is the config's asymmetric algorithms; `none` and HS* never verify.
        algorithms: this.#settings.algorithms,
        clockTolerance: this.#settings.leewaySeconds,
        // RFC 9068: an ID token or another JWT from the same provider is not an access token for this broker.
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (error) {
      // The provider's keys out of reach says nothing about the token: the caller should retry, not log in again.
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
        throw new JitError('unavailable', `the OpenID provider's keys could not be fetched from ${this.#settings.issuer}`, { hint: 'try again shortly', cause: error });
      }
      throw unauthenticated(`the bearer token was refused: ${describeRefusal(error)}`);
    }
    return this.#operatorOf(payload);
  }

  #operatorOf(payload: JWTPayload): VerifiedOperator {
    // SECURITY: another client of the same provider (a service's client_credentials) is not an operator
    // unless the config says so, even with a token issued for this broker.
    const client = payload.client_id;
    if (this.#settings.clients && (typeof client !== 'string' || !this.#settings.clients.includes(client))) {
      throw unauthenticated(`the token was issued to client ${typeof client === 'string' && IDENTITY_NAME.test(client) ? client : '(unnamed)'}, which this broker does not accept`);
    }
    const name = payload[this.#settings.usernameClaim];
    if (typeof name !== 'string' || !IDENTITY_NAME.test(name)) throw unauthenticated(`the token's ${this.#settings.usernameClaim} claim is not a usable user name`);
    if (this.#settings.usernameClaim === 'email' && payload.email_verified !== true) throw unauthenticated('the token names an email address the provider has not verified');
    const claimed = payload[this.#settings.groupsClaim] ?? [];
    if (!Array.isArray(claimed) || claimed.length > MAX_GROUPS || !claimed.every((group) => typeof group === 'string' && IDENTITY_NAME.test(group))) {
      throw unauthenticated(`the token's ${this.#settings.groupsClaim} claim is not a list of group names`);
    }
    return { name, groups: claimed as string[], expiresAt: payload.exp! };
  }
}

/** jose's reason in words an operator can act on; never the token itself. */
export function describeRefusal(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `its ${error.claim} claim is not accepted (${error.reason})`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the provider matches its signature';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not allowed';
  if (error instanceof errors.JOSEError) return error.code.replace(/^ERR_/, '').toLowerCase().replaceAll('_', ' ');
  return 'it is malformed';
}
