// The PostgreSQL schema, versioned in jit_schema. Times are milliseconds since the epoch (BIGINT), as
// in the records. Append new migrations at the end; never edit one that has shipped.

export const postgresMigrations: readonly string[] = [
  `CREATE TABLE requests (
     id TEXT PRIMARY KEY, role TEXT NOT NULL, ticket TEXT NOT NULL, ticket_verified BOOLEAN NOT NULL,
     requester TEXT NOT NULL, reason TEXT, ttl_seconds INTEGER NOT NULL, state TEXT NOT NULL, created_at BIGINT NOT NULL);
   CREATE TABLE grants (
     id TEXT PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests(id), role TEXT NOT NULL, ticket TEXT NOT NULL,
     requester TEXT NOT NULL, issuer_type TEXT NOT NULL, issuer_config TEXT NOT NULL, state TEXT NOT NULL, issued_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL, owner_host TEXT NOT NULL, owner_pid INTEGER NOT NULL, owner_start_time TEXT,
     last_heartbeat_at BIGINT NOT NULL, handle TEXT, revoke_reason TEXT, revocation TEXT,
     revocation_attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT, revocation_lease_until BIGINT, verify_not_before BIGINT, ended_at BIGINT);
   CREATE INDEX grants_state ON grants(state);
   CREATE TABLE audit_events (
     seq BIGINT PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, request_id TEXT,
     grant_id TEXT, ticket TEXT, role TEXT, data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
   CREATE INDEX audit_grant ON audit_events(grant_id);
   CREATE INDEX audit_ticket ON audit_events(ticket);
   CREATE TABLE audit_checkpoints (seq BIGINT PRIMARY KEY, hash TEXT NOT NULL, jws TEXT NOT NULL);
   CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
   CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
   -- Append-only by construction: the server itself refuses to change or delete an audit event.
   CREATE FUNCTION jit_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$;
   CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION jit_audit_append_only();
   CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION jit_audit_append_only();`,
  // The sweep looks for unsettled revocations twice a second: from an index, not among every grant ever ended.
  `CREATE INDEX grants_revocation_due ON grants(next_attempt_at) WHERE revocation IN ('pending', 'failed');`,
  // As in the SQLite store: requests that wait for approvals, the approvals, one grant per request.
  `ALTER TABLE requests ADD COLUMN pending_until BIGINT;
   CREATE INDEX requests_state ON requests(state);
   CREATE TABLE approvals (
     request_id TEXT NOT NULL REFERENCES requests(id), approver TEXT NOT NULL, at BIGINT NOT NULL, reason TEXT,
     PRIMARY KEY (request_id, approver));
   CREATE UNIQUE INDEX grants_one_per_request ON grants(request_id);`,
  // `jit requests` shows the last day's requests that waited for approvals: from an index, not among every request ever made.
  `CREATE INDEX requests_awaited ON requests(created_at) WHERE pending_until IS NOT NULL;`,
  // A request may ask to extend a live grant rather than for a new one (`jit extend` on a role that needs approvals).
  `ALTER TABLE requests ADD COLUMN renews_grant TEXT;`,
  // Break-glass grants (no approver, no ticket look-ups) and the review each one is owed, closed once.
  `ALTER TABLE grants ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE grants ADD COLUMN reviewed_by TEXT;
   ALTER TABLE grants ADD COLUMN reviewed_at BIGINT;
   CREATE INDEX grants_break_glass ON grants(issued_at) WHERE break_glass = 1;`,
];
