// The jwt issuer: an ES256 token bound to the grant (jti = grant id), with a deny list for revocation.
import { SignJWT } from 'jose';
import type { SigningKey } from '../keys.js';
import type { GrantRecord } from '../records.js';
import type { Store } from '../store/store.js';
import type { IssuedCredential, Issuer, IssueSubject } from './issuer.js';

export const JWT_ISSUER_NAME = 'jit';

export class JwtIssuer implements Issuer {
  constructor(
    private readonly key: SigningKey,
    private readonly store: Store,
    private readonly audience: string,
  ) {}

  async issue(grant: IssueSubject): Promise<IssuedCredential> {
    const token = await new SignJWT({ role: grant.role, ticket: grant.ticket })
      .setProtectedHeader({ alg: 'ES256', kid: this.key.kid, typ: 'JWT' })
      .setIssuer(JWT_ISSUER_NAME)
      .setSubject(grant.requester)
      .setAudience(this.audience)
      .setJti(grant.id)
      .setIssuedAt(Math.floor(grant.issuedAtMs / 1000))
      .setNotBefore(Math.floor(grant.issuedAtMs / 1000))
      .setExpirationTime(Math.floor(grant.expiresAtMs / 1000))
      .sign(this.key.privateKey);
    return { env: { JIT_TOKEN: token }, handle: null };
  }

  // A signed token cannot be recalled; it is denied by jti until it would have expired anyway.
  async revoke(grant: GrantRecord): Promise<void> {
    await this.store.revokeToken(grant.id, grant.expiresAtMs);
  }

  async verifyRevoked(grant: GrantRecord): Promise<boolean> {
    return this.store.isTokenRevoked(grant.id);
  }
}
