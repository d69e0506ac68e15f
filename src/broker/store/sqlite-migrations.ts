// The SQLite schema, versioned: PRAGMA user_version records how far a database has come. Each store
// dialect keeps its own list (PostgreSQL will have another).
// Append new migrations at the end; never edit one that has shipped.

export const migrations: readonly string[] = [
  `CREATE TABLE requests (
     id TEXT PRIMARY KEY, role TEXT NOT NULL, ticket TEXT NOT NULL, ticket_verified INTEGER NOT NULL,
     requester TEXT NOT NULL, reason TEXT, ttl_seconds INTEGER NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE grants (
     id TEXT PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests(id), role TEXT NOT NULL, ticket TEXT NOT NULL,
     requester TEXT NOT NULL, issuer_type TEXT NOT NULL, issuer_config TEXT NOT NULL, state TEXT NOT NULL, issued_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL, owner_host TEXT NOT NULL, owner_pid INTEGER NOT NULL, owner_start_time TEXT,
     last_heartbeat_at INTEGER NOT NULL, handle TEXT, revoke_reason TEXT, revocation TEXT,
     revocation_attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER, ended_at INTEGER);
   CREATE INDEX grants_state ON grants(state);
   CREATE TABLE audit_events (
     seq INTEGER PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, request_id TEXT,
     grant_id TEXT, ticket TEXT, role TEXT, data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
   CREATE INDEX audit_grant ON audit_events(grant_id);
   CREATE INDEX audit_ticket ON audit_events(ticket);
   CREATE TABLE audit_checkpoints (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, jws TEXT NOT NULL);
   CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);`,
  // Append-only by construction: the engine itself refuses to change or delete an audit event.
  `CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
   CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;`,
  // Facts about the store itself, such as the public key that signs this chain's checkpoints; and the
  // lease a process holds on a grant's next revocation attempt, so two processes never make it together.
  `CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
   ALTER TABLE grants ADD COLUMN revocation_lease_until INTEGER;
   ALTER TABLE grants ADD COLUMN verify_not_before INTEGER;`,
  // The sweep looks for unsettled revocations twice a second: from an index, not among every grant ever ended.
  `CREATE INDEX grants_revocation_due ON grants(next_attempt_at) WHERE revocation IN ('pending', 'failed');`,
  // Requests that wait for approvals, and the approvals themselves (one per approver); a request allows
  // one grant at most, however many processes act on it at once.
  `ALTER TABLE requests ADD COLUMN pending_until INTEGER;
   CREATE INDEX requests_state ON requests(state);
   CREATE TABLE approvals (
     request_id TEXT NOT NULL REFERENCES requests(id), approver TEXT NOT NULL, at INTEGER NOT NULL, reason TEXT,
     PRIMARY KEY (request_id, approver));
   CREATE UNIQUE INDEX grants_one_per_request ON grants(request_id);`,
  // `jit requests` shows the last day's requests that waited for approvals: from an index, not among every request ever made.
  `CREATE INDEX requests_awaited ON requests(created_at) WHERE pending_until IS NOT NULL;`,
  // A request may ask to extend a live grant rather than for a new one (`jit extend` on a role that needs approvals).
  `ALTER TABLE requests ADD COLUMN renews_grant TEXT;`,
  // Break-glass grants (no approver, no ticket look-ups) and the review each one is owed, closed once.
  `ALTER TABLE grants ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE grants ADD COLUMN reviewed_by TEXT;
   ALTER TABLE grants ADD COLUMN reviewed_at INTEGER;
   CREATE INDEX grants_break_glass ON grants(issued_at) WHERE break_glass = 1;`,
];
