// The stable JSON shape of a grant in `--json` output (documented in the README).
import type { Grant } from '../backends/contract.js';

export interface GrantView {
  id: string;
  role: string;
  ticket: string;
  requester: string;
  state: Grant['state'];
  issuedAt: number; // Unix seconds
  expiresAt: number; // Unix seconds
  secondsLeft: number;
  revocation: Grant['revocation'];
  revokeReason: Grant['revokeReason'];
  owner: { host: string; pid: number };
}

export function grantView(grant: Grant, nowMs: number): GrantView {
  return {
    id: grant.id,
    role: grant.role,
    ticket: grant.ticket,
    requester: grant.requester,
    state: grant.state,
    issuedAt: grant.issuedAt,
    expiresAt: grant.expiresAt,
    secondsLeft: Math.max(0, grant.expiresAt - Math.floor(nowMs / 1000)),
    revocation: grant.revocation,
    revokeReason: grant.revokeReason,
    owner: { host: grant.owner.host, pid: grant.owner.pid },
  };
}
