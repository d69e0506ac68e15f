// The stable JSON shape of a grant in `--json` output (documented in the README).
import type { GrantRecord } from '../broker/records.js';

export interface GrantView {
  id: string;
  role: string;
  ticket: string;
  requester: string;
  state: GrantRecord['state'];
  issuedAt: number; // Unix seconds
  expiresAt: number; // Unix seconds
  secondsLeft: number;
  revocation: GrantRecord['revocation'];
  revokeReason: GrantRecord['revokeReason'];
  owner: { host: string; pid: number };
}

export function grantView(grant: GrantRecord, nowMs: number): GrantView {
  return {
    id: grant.id,
    role: grant.role,
    ticket: grant.ticket,
    requester: grant.requester,
    state: grant.state,
    issuedAt: Math.floor(grant.issuedAtMs / 1000),
    expiresAt: Math.floor(grant.expiresAtMs / 1000),
    secondsLeft: Math.max(0, Math.floor((grant.expiresAtMs - nowMs) / 1000)),
    revocation: grant.revocation,
    revokeReason: grant.revokeReason,
    owner: { host: grant.ownerHost, pid: grant.ownerPid },
  };
}
