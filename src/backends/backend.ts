// What the CLI needs from a broker, wherever it runs: in this process or behind `jit serve`.
import type { AuditExport } from '../broker/audit/export.js';
import type { ChainVerdict } from '../broker/audit/verify.js';
import type { AuditEvent, GrantRecord, SessionEventType } from '../broker/records.js';
import type { ElevationRequest, IssuedGrant, RoleSummary } from '../broker/service.js';
import type { GrantState, RevokeReason } from '../core/states.js';

export interface Backend {
  readonly name: 'embedded' | 'http';
  roles(): Promise<RoleSummary[]>;
  request(input: ElevationRequest): Promise<IssuedGrant>;
  heartbeat(grantId: string): Promise<GrantState | undefined>;
  recordSession(grant: GrantRecord, type: SessionEventType, data: Record<string, string | number | null>): Promise<void>;
  revoke(grantId: string, reason: RevokeReason): Promise<GrantRecord>;
  grant(grantId: string): Promise<GrantRecord | undefined>;
  grants(filter?: { live?: boolean; mine?: boolean }): Promise<GrantRecord[]>;
  /** Ends orphaned and expired grants and retries due revocations; returns what changed. */
  sweep(): Promise<GrantRecord[]>;
  events(filter?: { grantId?: string; ticket?: string }): Promise<AuditEvent[]>;
  /** Proves the chain; given an earlier export, also that the chain still holds it unchanged. */
  verifyAudit(exported?: AuditExport): Promise<ChainVerdict>;
  /** Events after `afterSeq`, their checkpoints and the public key, for `jit audit export`. */
  exportAudit(afterSeq?: number): Promise<AuditExport>;
  standing(): Promise<GrantRecord[]>;
  close(): void;
}
