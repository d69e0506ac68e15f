// What the broker needs from storage. SQLite (embedded) implements it; PostgreSQL will.
import type { RequestState } from '../../core/states.js';
import type { AuditDraft, AuditEvent, Checkpoint, GrantRecord, RequestRecord } from '../records.js';

/** One atomic change: its rows and the audit events that record it, committed together or not at all. */
export interface Change {
  insertRequest?: RequestRecord;
  updateRequest?: { id: string; state: RequestState };
  insertGrant?: GrantRecord;
  updateGrant?: { id: string; patch: Partial<Omit<GrantRecord, 'id'>> };
  /** At least one: every transition is audited. */
  events: [AuditDraft, ...AuditDraft[]];
}

export interface GrantFilter {
  states?: GrantRecord['state'][];
  requester?: string;
}

export interface EventFilter {
  grantId?: string;
  ticket?: string;
}

export interface Store {
  /** Applies the change and appends its events to the chain in one transaction; returns the sealed events. */
  commit(change: Change): Promise<AuditEvent[]>;
  getGrant(id: string): Promise<GrantRecord | undefined>;
  listGrants(filter?: GrantFilter): Promise<GrantRecord[]>;
  /** Records a heartbeat; not an audited transition. */
  touchGrant(id: string, at: number): Promise<void>;
  events(filter?: EventFilter): Promise<AuditEvent[]>;
  lastEvent(): Promise<AuditEvent | undefined>;
  checkpoints(): Promise<Checkpoint[]>;
  addCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** The jwt issuer's deny list. */
  revokeToken(jti: string, expiresAt: number): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;
  close(): void;
}
