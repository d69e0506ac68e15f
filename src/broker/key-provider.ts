// Where the broker's signing keys come from. Embedded, they are files in the private state dir; a team
// broker may keep them elsewhere (a directory only the service reads, a KMS) behind the same interface.
import { resolveAuditKey, type AuditKeyState, type ChainKeyRecord } from './audit/audit-key.js';
import { loadOrCreateKey, type SigningKey } from './keys.js';

export interface KeyProvider {
  /** The audit key, checked against the one the chain recorded (made when the chain begins). */
  auditKey(chain: ChainKeyRecord): AuditKeyState;
  /** The key the jwt issuer signs tokens with. */
  tokenKey(): Promise<SigningKey>;
}

export function stateDirKeys(stateDir: string): KeyProvider {
  let token: Promise<SigningKey> | undefined;
  return {
    auditKey: (chain) => resolveAuditKey(stateDir, chain),
    tokenKey: () => (token ??= loadOrCreateKey(stateDir, 'token-signing')),
  };
}
