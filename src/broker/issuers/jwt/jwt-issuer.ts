// The jwt issuer: an ES256 token bound to the grant (jti = grant id), with a deny list for revocation.
// A compact JWS (RFC 7515) signed with node:crypto; any JWT library verifies it against the public key.
import type { SigningKey } from '../../keys.js';
import type { GrantRecord } from '../../records.js';
import type { Store } from '../../store/store.js';
import type { IssuedCredential, Issuer, IssueSubject } from '../issuer.js';

export const JWT_ISSUER_NAME = 'jit';

export class JwtIssuer implements Issuer {
  constructor(
    private readonly key: SigningKey,
    private readonly store: Store,
    private readonly audience: string,
  ) {}

  async issue(grant: IssueSubject): Promise<IssuedCredential> {
    const issuedAt = Math.floor(grant.issuedAtMs / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'ES256', kid: this.key.kid, typ: 'JWT' })}.${part({
      role: grant.role,
      ticket: grant.ticket,
      iss: JWT_ISSUER_NAME,
      sub: grant.requester,
      aud: this.audience,
      jti: grant.id,
      iat: issuedAt,
      nbf: issuedAt,
      exp: Math.floor(grant.expiresAtMs / 1000),
    })}`;
    return { env: { JIT_TOKEN: `${input}.${this.key.sign(input).toString('base64url')}` }, handle: null };
  }

  // A signed token cannot be recalled; it is denied by jti until it would have expired anyway.
  async revoke(grant: GrantRecord): Promise<void> {
    await this.store.revokeToken(grant.id, grant.expiresAtMs);
  }

  async verifyRevoked(grant: GrantRecord): Promise<boolean> {
    return this.store.isTokenRevoked(grant.id);
  }
}
