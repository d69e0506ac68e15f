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
  // The contract's grant, plus the time left; the owner's start time stays out of the documented shape.
  const { owner, ...rest } = grant;
  return { ...rest, secondsLeft: Math.max(0, grant.expiresAt - Math.floor(nowMs / 1000)), owner: { host: owner.host, pid: owner.pid } };
}
