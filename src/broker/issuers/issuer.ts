// An issuer turns an approved request into a credential at a target system, and takes it back.
import type { GrantRecord } from '../records.js';

export interface IssuedCredential {
  /** Variables to inject into the session; secret values live only in memory and the keychain. */
  env: Record<string, string>;
  /** A non-secret reference the issuer needs to revoke later (a lease id, a role name). */
  handle: string | null;
}

export type IssueSubject = Pick<GrantRecord, 'id' | 'role' | 'ticket' | 'requester' | 'issuedAtMs' | 'expiresAtMs'>;

export interface Issuer {
  issue(grant: IssueSubject): Promise<IssuedCredential>;
  /** Takes the credential back; idempotent: revoking what is already gone succeeds. */
  revoke(grant: GrantRecord): Promise<void>;
  /** True when the target confirms the credential no longer works. */
  verifyRevoked(grant: GrantRecord): Promise<boolean>;
}
