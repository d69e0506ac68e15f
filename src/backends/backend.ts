// What the CLI needs from a broker, wherever it runs: in this process or behind `jit serve`. Plain data
// only (backends/contract.ts), so that every call can cross HTTP; each is made on behalf of the caller.
import type { AuditExport } from '../broker/audit/export.js';
import type { ChainVerdict } from '../broker/audit/verify.js';
import type { AuditEvent, SessionEventType } from '../broker/records.js';
import type { RevokeReason } from '../core/states.js';
import type { BreakGlassRequest, BreakGlassUse, ElevationRequest, Grant, GrantPulse, IssuedGrant, PendingRequest, RoleSummary, SeenRequest } from './contract.js';

export type { BreakGlassRequest, BreakGlassUse, ElevationRequest, Grant, GrantPulse, IssuedGrant, PendingRequest, RoleSummary, SeenRequest } from './contract.js';

export interface Backend {
  readonly name: 'embedded' | 'http';
  /** Variables of this process that hold the broker's own secrets (embedded issuers'): never passed to a session. */
  readonly withheldEnv: readonly string[];
  roles(): Promise<RoleSummary[]>;
  /** A grant, or for a role that needs approvals a JitError `pending` naming the request that waits. */
  request(input: ElevationRequest): Promise<IssuedGrant>;
  /** Requests you may decide (never your own) and yours; `pending`: only those that still wait. */
  requests(filter?: { pending?: boolean }): Promise<PendingRequest[]>;
  /** One request you may see; given `wait`, answered once it is decided or after that many seconds (or when `signal` stops the wait). */
  pendingRequest(id: string, wait?: { seconds: number; signal?: AbortSignal }): Promise<PendingRequest | undefined>;
  approve(id: string, decision: { reason?: string; seen?: SeenRequest }): Promise<PendingRequest>;
  deny(id: string, reason: string): Promise<PendingRequest>;
  /** The grant of your approved request: once. */
  claim(id: string, input: Pick<ElevationRequest, 'owner' | 'publicKey' | 'parentSession'>): Promise<IssuedGrant>;
  /** A grant without an approver or a ticket look-up, for a role that allows break-glass: a team broker's only. */
  breakGlass(input: BreakGlassRequest): Promise<IssuedGrant>;
  /** Closes the review of a break-glass use that has ended (a reviewer of its role, never its user). */
  review(grantId: string, note?: string): Promise<BreakGlassUse>;
  /** The last 90 days' break-glass uses and their reviews (the audit's readers). */
  breakGlassUses(): Promise<BreakGlassUse[]>;
  heartbeat(grantId: string): Promise<GrantPulse | undefined>;
  /**
   * Moves a live grant of yours to end later: a fresh decision, never past its role's maximum. For a role
   * that needs approvals, a JitError `pending` naming the renewal that waits; then `{ requestId }` picks it up.
   */
  extend(grantId: string, ask: { bySeconds: number; reason?: string } | { requestId: string }): Promise<Grant>;
  recordSession(grantId: string, type: SessionEventType, data: Record<string, string | number | null>): Promise<void>;
  revoke(grantId: string, reason: RevokeReason): Promise<Grant>;
  /** One of your grants; undefined when there is none of yours with that id. */
  grant(grantId: string): Promise<Grant | undefined>;
  /** Your grants. */
  grants(filter?: { live?: boolean }): Promise<Grant[]>;
  /** Ends orphaned and expired grants and retries due revocations; returns what changed. */
  sweep(): Promise<Grant[]>;
  events(filter?: { grantId?: string; ticket?: string }): Promise<AuditEvent[]>;
  /** Proves the chain; given an earlier export, also that the chain still holds it unchanged. */
  verifyAudit(exported?: AuditExport): Promise<ChainVerdict>;
  /** Events after `afterSeq`, their checkpoints and the public key, for `jit audit export`. */
  exportAudit(afterSeq?: number): Promise<AuditExport>;
  standing(): Promise<Grant[]>;
  close(): Promise<void>;
}
