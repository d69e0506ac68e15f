// How grant and event rows map to records, shared by every SQL store: one column map, one reading of
// a row, one way of turning an expectation into a WHERE clause.
import type { ApprovalRecord, AuditEvent, GrantRecord, RequestRecord } from '../records.js';
import type { EventFilter, GrantExpectation, GrantFilter, RequestFilter } from './store.js';

export type Row = Record<string, unknown>;

export const grantColumns: Record<keyof GrantRecord, string> = {
  id: 'id', requestId: 'request_id', role: 'role', ticket: 'ticket', requester: 'requester', issuerType: 'issuer_type', issuerConfig: 'issuer_config',
  state: 'state', issuedAtMs: 'issued_at', expiresAtMs: 'expires_at', ownerHost: 'owner_host', ownerPid: 'owner_pid',
  ownerStartTime: 'owner_start_time', lastHeartbeatAtMs: 'last_heartbeat_at', handle: 'handle', revokeReason: 'revoke_reason',
  revocation: 'revocation', revocationAttempts: 'revocation_attempts', nextAttemptAtMs: 'next_attempt_at', revocationLeaseUntilMs: 'revocation_lease_until', verifyNotBeforeMs: 'verify_not_before', endedAtMs: 'ended_at',
  breakGlass: 'break_glass', reviewedBy: 'reviewed_by', reviewedAtMs: 'reviewed_at',
};

const numericGrantFields = new Set<keyof GrantRecord>(['issuedAtMs', 'expiresAtMs', 'ownerPid', 'lastHeartbeatAtMs', 'revocationAttempts', 'nextAttemptAtMs', 'revocationLeaseUntilMs', 'verifyNotBeforeMs', 'endedAtMs', 'reviewedAtMs']);

/** A grant field as a column holds it: flags as 0 or 1, which both SQL dialects store alike. */
export function grantValue(grant: GrantRecord, key: keyof GrantRecord): unknown {
  const value = grant[key];
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

export function grantFromRow(row: Row): GrantRecord {
  const grant: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(grantColumns) as [keyof GrantRecord, string][]) {
    const value = row[column];
    // Drivers may hand 64-bit integers back as strings or bigints; records hold numbers.
    grant[key] = numericGrantFields.has(key) && value !== null && value !== undefined ? Number(value) : value;
  }
  grant.breakGlass = Number(row.break_glass ?? 0) === 1;
  return grant as unknown as GrantRecord;
}

export function requestFromRow(row: Row): RequestRecord {
  return {
    id: String(row.id), role: String(row.role), ticket: String(row.ticket), ticketVerified: Boolean(row.ticket_verified),
    requester: String(row.requester), reason: (row.reason as string | null) ?? null, ttlSeconds: Number(row.ttl_seconds),
    state: row.state as RequestRecord['state'], createdAtMs: Number(row.created_at),
    pendingUntilMs: row.pending_until === null || row.pending_until === undefined ? null : Number(row.pending_until),
    renewsGrant: (row.renews_grant as string | null | undefined) ?? null,
  };
}

export function approvalFromRow(row: Row): ApprovalRecord {
  return { requestId: String(row.request_id), approver: String(row.approver), atMs: Number(row.at), reason: (row.reason as string | null) ?? null };
}

/** The WHERE clause of a request filter, with its values. */
export function requestFilterSql(filter: RequestFilter): { where: string; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  if (filter.states?.length) {
    clauses.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
    values.push(...filter.states);
  }
  if (filter.requester !== undefined) {
    clauses.push('requester = ?');
    values.push(filter.requester);
  }
  if (filter.awaitedApprovals) clauses.push('pending_until IS NOT NULL');
  if (filter.createdSinceMs !== undefined) {
    clauses.push('created_at >= ?');
    values.push(filter.createdSinceMs);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values };
}

export function eventFromRow(row: Row): AuditEvent {
  return {
    seq: Number(row.seq), at: String(row.at), type: row.type as AuditEvent['type'], actor: String(row.actor),
    requestId: (row.request_id as string | null) ?? null, grantId: (row.grant_id as string | null) ?? null,
    ticket: (row.ticket as string | null) ?? null, role: (row.role as string | null) ?? null,
    data: JSON.parse(String(row.data)) as AuditEvent['data'], prevHash: String(row.prev_hash), hash: String(row.hash),
  };
}

/** ` AND column = ?`, `… IS NULL` or `… IN (…)` for each expected field, with its values (in order). */
export function expectation(expect: GrantExpectation): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(expect) as [keyof GrantExpectation, unknown][]) {
    if (value === undefined) continue;
    const column = grantColumns[key];
    if (value === null) parts.push(`${column} IS NULL`);
    else if (Array.isArray(value)) {
      parts.push(`${column} IN (${value.map(() => '?').join(', ')})`);
      values.push(...value);
    } else {
      parts.push(`${column} = ?`);
      values.push(value);
    }
  }
  return { sql: parts.map((part) => ` AND ${part}`).join(''), values };
}

/** `WHERE …` (or nothing) and its values for a grant listing, in the shared `?` form. */
export function grantFilterSql(filter: GrantFilter): { where: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  if (filter.states) {
    parts.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
    values.push(...filter.states);
  }
  if (filter.requester) {
    parts.push('requester = ?');
    values.push(filter.requester);
  }
  if (filter.endDueBy) {
    // The sweep of a served broker: the few grants that may be due, not every live one twice a second.
    parts.push('(expires_at <= ? OR last_heartbeat_at <= ?)');
    values.push(filter.endDueBy.expiresBy, filter.endDueBy.silentSince);
  }
  if (filter.breakGlassSince !== undefined) {
    // From the partial index of break-glass grants: few, however many grants there are.
    parts.push('break_glass = 1 AND issued_at >= ?');
    values.push(filter.breakGlassSince);
  }
  if (filter.revocationDueBy !== undefined) {
    // Read from the table's index rather than from every grant ever ended: the sweep asks twice a second.
    parts.push("revocation IN ('pending', 'failed') AND next_attempt_at <= ?");
    values.push(filter.revocationDueBy);
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', values };
}

/** `WHERE …` (or nothing) and its values for an event listing. */
export function eventFilterSql(filter: EventFilter): { where: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  if (filter.grantId) {
    parts.push('grant_id = ?');
    values.push(filter.grantId);
  }
  if (filter.ticket) {
    parts.push('ticket = ?');
    values.push(filter.ticket);
  }
  if (filter.afterSeq !== undefined) {
    parts.push('seq > ?');
    values.push(filter.afterSeq);
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', values };
}
