// The rows the broker keeps: requests, grants and audit events. Times are milliseconds since the epoch
// and say so in their names (…Ms); what users see (JSON, the environment) is in Unix seconds.
import type { GrantState, RequestState, RevocationState, RevokeReason } from '../core/states.js';

export interface RequestRecord {
  id: string;
  role: string;
  ticket: string;
  /** False when the ticket was only checked against a pattern, offline. */
  ticketVerified: boolean;
  requester: string;
  reason: string | null;
  ttlSeconds: number;
  state: RequestState;
  createdAtMs: number;
  /** Until when (ms) a pending request waits for its approvals; null for one decided at once. */
  pendingUntilMs: number | null;
  /** For a renewal (`jit extend` on a role that needs approvals): the live grant it would extend, by `ttlSeconds`. */
  renewsGrant: string | null;
}

/** One approver's yes to one request: at most one per approver and request. */
export interface ApprovalRecord {
  requestId: string;
  approver: string;
  atMs: number;
  reason: string | null;
}

export interface GrantRecord {
  id: string;
  requestId: string;
  role: string;
  ticket: string;
  requester: string;
  issuerType: string;
  /** The issuer settings the credential was issued with (JSON, no secrets): revocation uses these even if the policy changed. */
  issuerConfig: string;
  state: GrantState;
  issuedAtMs: number;
  expiresAtMs: number;
  ownerHost: string;
  ownerPid: number;
  ownerStartTime: string | null;
  lastHeartbeatAtMs: number;
  /** The issuer's opaque, non-secret reference used to revoke (e.g. a lease id). */
  handle: string | null;
  revokeReason: RevokeReason | null;
  revocation: RevocationState | null;
  revocationAttempts: number;
  nextAttemptAtMs: number | null;
  /** Until when (ms) one process holds the next revocation attempt; null when nobody does. */
  revocationLeaseUntilMs: number | null;
  /**
   * For a grant ended while it was being issued: the issuer may still deliver until then, so no
   * revocation is final (verified) before it.
   */
  verifyNotBeforeMs: number | null;
  endedAtMs: number | null;
  /** Issued by `jit break-glass`: no approver, no ticket look-ups, a review owed afterwards. */
  breakGlass: boolean;
  /** Who closed the break-glass review, and when (ms); null while it is due. */
  reviewedBy: string | null;
  reviewedAtMs: number | null;
}

export type AuditType =
  | 'request.created'
  | 'request.approved'
  | 'request.denied'
  | 'grant.issuing'
  | 'grant.issued'
  | 'grant.issue_discarded'
  | 'session.started'
  | 'session.ended'
  | 'session.survivors'
  | 'grant.revoked'
  | 'grant.expired'
  | 'revocation.verified'
  | 'revocation.deferred'
  | 'revocation.failed'
  | 'revocation.irrevocable'
  | 'ticket.verified'
  | 'request.pending'
  | 'request.approval'
  | 'request.expired'
  | 'grant.extended'
  | 'review.due'
  | 'review.closed';

/** What the CLI reports of a session it supervises (survivors: processes still running at its end). */
export type SessionEventType = 'session.started' | 'session.ended' | 'session.survivors';

/** An event as the broker writes it; the store gives it a sequence number, a time and its hashes. */
export interface AuditDraft {
  type: AuditType;
  actor: string;
  requestId?: string;
  grantId?: string;
  ticket?: string;
  role?: string;
  data?: Record<string, string | number | boolean | null>;
}

export interface AuditEvent {
  seq: number;
  at: string; // ISO 8601 with milliseconds
  type: AuditType;
  actor: string;
  requestId: string | null;
  grantId: string | null;
  ticket: string | null;
  role: string | null;
  data: Record<string, string | number | boolean | null>;
  prevHash: string;
  hash: string;
}

export interface Checkpoint {
  seq: number;
  hash: string;
  /** Compact JWS over {seq, hash, at}, signed with the audit key. */
  jws: string;
}
