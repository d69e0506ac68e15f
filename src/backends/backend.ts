// What the CLI needs from a broker, wherever it runs: in this process or behind `jit serve`.
import type { ChainVerdict } from '../broker/audit/verify.js';
import type { AuditEvent, GrantRecord } from '../broker/records.js';
import type { ElevationRequest, IssuedGrant, RoleSummary } from '../broker/service.js';
import type { GrantState, RevokeReason } from '../core/states.js';

export interface Backend {
  readonly name: 'embedded' | 'http';
  roles(): Promise<RoleSummary[]>;
  request(input: ElevationRequest): Promise<IssuedGrant>;
  heartbeat(grantId: string): Promise<GrantState | undefined>;
  recordSession(grant: GrantRecord, type: 'session.started' | 'session.ended', data: Record<string, string | number | null>): Promise<void>;
  revoke(grantId: string, reason: RevokeReason): Promise<GrantRecord>;
  grant(grantId: string): Promise<GrantRecord | undefined>;
  grants(filter?: { live?: boolean; mine?: boolean }): Promise<GrantRecord[]>;
  /** Ends orphaned and expired grants and retries due revocations; returns what changed. */
  sweep(): Promise<GrantRecord[]>;
  events(filter?: { grantId?: string; ticket?: string }): Promise<AuditEvent[]>;
  verifyAudit(): Promise<ChainVerdict>;
  standing(): Promise<GrantRecord[]>;
  close(): void;
}
