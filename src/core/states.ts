// The grant lifecycle from DESIGN.md as explicit transition tables; every store checks each update against them.
import { JitError } from './errors.js';

export type RequestState = 'pending' | 'approved' | 'denied' | 'expired' | 'withdrawn';
/** `issuing` is the short window between the decision and the issuer's answer; a crash there is swept as an orphan. */
export type GrantState = 'issuing' | 'active' | 'revoked' | 'expired';
export type RevocationState = 'pending' | 'verified' | 'failed' | 'irrevocable';
export type RevokeReason = 'exit' | 'expired' | 'signal' | 'operator' | 'orphaned' | 'issue_failed' | 'audit_failed' | 'keychain_unavailable' | 'ticket_closed' | 'ticket_unverifiable' | 'role_removed';

const grantTransitions: Record<GrantState, readonly GrantState[]> = {
  issuing: ['active', 'revoked'],
  active: ['revoked', 'expired'],
  revoked: [],
  expired: [],
};

// pending → pending: revoked at the target, but not final until the issuer can no longer deliver.
const revocationTransitions: Record<RevocationState, readonly RevocationState[]> = {
  pending: ['pending', 'verified', 'failed', 'irrevocable'],
  failed: ['pending', 'verified', 'failed', 'irrevocable'],
  verified: [],
  irrevocable: [],
};

function check<S extends string>(table: Record<S, readonly S[]>, kind: string, from: S, to: S): void {
  if (!table[from].includes(to)) {
    throw new JitError('internal', `${kind} cannot go from ${from} to ${to}`);
  }
}

// A request waits for its approvals (pending), then is decided once; approved is consumed by the one grant it allows.
const requestTransitions: Record<RequestState, readonly RequestState[]> = {
  pending: ['approved', 'denied', 'expired', 'withdrawn'],
  approved: [],
  denied: [],
  expired: [],
  withdrawn: [],
};

export const assertRequestTransition = (from: RequestState, to: RequestState) => check(requestTransitions, 'request', from, to);
export const assertGrantTransition = (from: GrantState, to: GrantState) => check(grantTransitions, 'grant', from, to);
export const assertRevocationTransition = (from: RevocationState, to: RevocationState) =>
  check(revocationTransitions, 'revocation', from, to);

export function isLive(state: GrantState): boolean {
  return state === 'issuing' || state === 'active';
}
