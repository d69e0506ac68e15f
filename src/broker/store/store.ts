// What the broker needs from storage. SQLite (embedded) implements it; PostgreSQL will.
import { JitError } from '../../core/errors.js';
import { assertGrantTransition, assertRequestTransition, assertRevocationTransition, type GrantState, type RequestState, type RevocationState } from '../../core/states.js';
import type { AuditVerifier } from '../audit/audit-key.js';
import type { AnchorReading } from '../audit/anchor.js';
import type { ApprovalRecord, AuditDraft, AuditEvent, Checkpoint, GrantRecord, RequestRecord } from '../records.js';

/**
 * What a grant must still look like for an update to apply: each listed field must equal the value
 * (or one of the values) given. SECURITY: every state change names the state it expects, so two
 * processes, a sweep and a session, or two broker replicas can never both end, revoke or revive a grant.
 */
export interface GrantExpectation {
  state?: GrantState | readonly GrantState[];
  revocation?: RevocationState | null | readonly RevocationState[];
  revocationAttempts?: number;
  handle?: string | null;
  /** A renewal moves the end only from the end it was decided on: two at once cannot both add to it. */
  expiresAtMs?: number;
  /** A break-glass review is closed once: only while nobody has closed it. */
  reviewedBy?: string | null;
}

export interface GrantUpdate {
  id: string;
  expect: GrantExpectation;
  patch: Partial<Omit<GrantRecord, 'id'>>;
}

/**
 * The lifecycle decides which updates exist at all: a store checks each against it before applying it.
 * A change of state must name the state it expects (so it is compare-and-set), and every expected state
 * must be one the lifecycle lets the new state follow.
 */
export function assertLifecycle({ expect, patch }: GrantUpdate): void {
  if (patch.state !== undefined) {
    if (expect.state === undefined) throw new JitError('internal', 'a grant state change must name the state it expects');
    for (const from of ([] as GrantState[]).concat(expect.state)) assertGrantTransition(from, patch.state);
  }
  if (patch.revocation != null && expect.revocation != null) {
    for (const from of ([] as RevocationState[]).concat(expect.revocation)) assertRevocationTransition(from, patch.revocation);
  }
}

/** Thrown inside a store's transaction when an expectation fails after something was written: it is all rolled back, and commit answers undefined. */
export class ExpectationFailed extends Error {}

/** Refuses a request state change the lifecycle does not allow, before any SQL runs. */
export function assertRequestLifecycle({ expect, patch }: RequestUpdate): void {
  assertRequestTransition(expect.state, patch.state);
}

/** A request's decision, made only if it is still in the state expected (compare-and-set). */
export interface RequestUpdate {
  id: string;
  expect: { state: RequestState };
  patch: { state: RequestState };
}

export interface RequestFilter {
  states?: RequestState[];
  requester?: string;
  /** Only requests that waited for approvals (not those the policy decided at once). */
  awaitedApprovals?: boolean;
  /** Only requests made at or after this time (ms). */
  createdSinceMs?: number;
}

/** One atomic change: its rows and the audit events that record it, committed together or not at all. */
export interface Change {
  insertRequest?: RequestRecord;
  insertGrant?: GrantRecord;
  updateGrant?: GrantUpdate;
  /** Checked with updateGrant's, first: when either expectation fails, nothing of the change is written. */
  updateRequest?: RequestUpdate;
  /** Refused (nothing written) when this approver already approved this request. */
  insertApproval?: ApprovalRecord;
  /** At least one: every transition is audited. */
  events: [AuditDraft, ...AuditDraft[]];
}

export interface GrantFilter {
  states?: GrantRecord['state'][];
  requester?: string;
  /** Only ended grants whose revocation is unsettled and whose next attempt is due by this time (ms). */
  revocationDueBy?: number;
  /** Only grants past `expiresBy` (ms), or whose last heartbeat is from `silentSince` or before. */
  endDueBy?: { expiresBy: number; silentSince: number };
  /** Only break-glass grants issued at or after this time (ms). */
  breakGlassSince?: number;
}

export interface EventFilter {
  grantId?: string;
  ticket?: string;
  /** Only events with a sequence number above this one. */
  afterSeq?: number;
}

/** The audit as one consistent reading: no commit lands between its parts. */
export interface AuditSnapshot {
  events: AuditEvent[];
  checkpoints: Checkpoint[];
  anchor: AnchorReading;
  /** Whether this chain has had an anchor, so that its absence means it was removed. */
  anchorRequired: boolean;
  /** The key the chain's checkpoints verify with (the one recorded with its first event). */
  verifier: AuditVerifier | undefined;
  /** Why the chain cannot be extended with signatures now, if it cannot. */
  keyProblem: JitError | undefined;
}

export interface AuditPage {
  events: AuditEvent[];
  checkpoints: Checkpoint[];
  head: { seq: number; hash: string } | null;
  /** The key the chain's checkpoints verify with. */
  verifier: AuditVerifier | undefined;
}

export interface Store {
  /**
   * Applies the change and appends its events, with a signed checkpoint over them, in one
   * transaction; returns the sealed events. Returns undefined, having written nothing, when
   * `updateGrant`'s expectation no longer holds.
   */
  commit(change: Change): Promise<AuditEvent[] | undefined>;
  /**
   * Takes the next revocation attempt of a grant for this process until `until` (ms), unless another
   * process holds it; not an audited transition (the attempt's outcome is, and releases the lease).
   */
  claimRevocation(id: string, expect: Required<Pick<GrantExpectation, 'revocationAttempts' | 'handle'>>, now: number, until: number): Promise<boolean>;
  getGrant(id: string): Promise<GrantRecord | undefined>;
  getRequest(id: string): Promise<RequestRecord | undefined>;
  /** Oldest first. */
  listRequests(filter?: RequestFilter): Promise<RequestRecord[]>;
  /** A request's approvals, oldest first. */
  approvals(requestId: string): Promise<ApprovalRecord[]>;
  listGrants(filter?: GrantFilter): Promise<GrantRecord[]>;
  /** Records a heartbeat of a live grant; not an audited transition. */
  touchGrant(id: string, at: number): Promise<void>;
  events(filter?: EventFilter): Promise<AuditEvent[]>;
  auditSnapshot(): Promise<AuditSnapshot>;
  /**
   * Up to `limit` events after `afterSeq`, the checkpoints among them and the chain's head: one page,
   * read from the indexes without the write lock (an event and its checkpoint are committed together, so
   * the page is consistent), however long the chain.
   */
  auditPage(afterSeq: number, limit: number): Promise<AuditPage>;
  /** Why issuing must stop because the audit cannot be signed or was extended without the key, if so. */
  auditProblem(): Promise<JitError | undefined>;
  /** The jwt issuer's deny list. */
  revokeToken(jti: string, expiresAtMs: number): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;
  close(): Promise<void>;
}
