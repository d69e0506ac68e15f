// The embedded store: node:sqlite in WAL mode, a 0600 file in the private state dir.
import { preparePrivateFile } from '../../platform/paths.js';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { JitError } from '../../core/errors.js';
import { sealEvent, GENESIS_HASH } from '../audit/chain.js';
import type { AuditEvent, Checkpoint, GrantRecord, RequestRecord } from '../records.js';
import { migrations } from './migrations.js';
import type { Change, EventFilter, GrantFilter, Store } from './store.js';

type Row = Record<string, SQLInputValue>;

const grantColumns: Record<keyof GrantRecord, string> = {
  id: 'id', requestId: 'request_id', role: 'role', ticket: 'ticket', requester: 'requester', issuerType: 'issuer_type', issuerConfig: 'issuer_config',
  state: 'state', issuedAt: 'issued_at', expiresAt: 'expires_at', ownerHost: 'owner_host', ownerPid: 'owner_pid',
  ownerStartTime: 'owner_start_time', lastHeartbeatAt: 'last_heartbeat_at', handle: 'handle', revokeReason: 'revoke_reason',
  revocation: 'revocation', revocationAttempts: 'revocation_attempts', nextAttemptAt: 'next_attempt_at', endedAt: 'ended_at',
};

function grantFromRow(row: Row): GrantRecord {
  const grant: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(grantColumns)) grant[key] = row[column];
  return grant as unknown as GrantRecord;
}

function eventFromRow(row: Row): AuditEvent {
  return {
    seq: Number(row.seq), at: String(row.at), type: row.type as AuditEvent['type'], actor: String(row.actor),
    requestId: (row.request_id as string | null) ?? null, grantId: (row.grant_id as string | null) ?? null,
    ticket: (row.ticket as string | null) ?? null, role: (row.role as string | null) ?? null,
    data: JSON.parse(String(row.data)) as AuditEvent['data'], prevHash: String(row.prev_hash), hash: String(row.hash),
  };
}

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #now: () => Date;

  private constructor(db: DatabaseSync, now: () => Date) {
    this.#db = db;
    this.#now = now;
  }

  static open(path: string, now: () => Date = () => new Date()): SqliteStore {
    let db: DatabaseSync;
    try {
      // SECURITY: create the file 0600 before SQLite does; its -wal and -shm files copy these permissions.
      preparePrivateFile(path);
      db = new DatabaseSync(path);
      db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;');
    } catch (error) {
      throw new JitError('os', `cannot open the state database ${path}: ${(error as Error).message}`, {
        hint: 'check that the state dir is yours and writable (jit doctor will say more)',
        cause: error,
      });
    }
    const store = new SqliteStore(db, now);
    store.#migrate();
    return store;
  }

  #migrate(): void {
    const version = Number((this.#db.prepare('PRAGMA user_version').get() as Row).user_version);
    if (version > migrations.length) {
      throw new JitError('config', `the state database was written by a newer jit (schema ${version})`, { hint: 'upgrade jit' });
    }
    for (let next = version; next < migrations.length; next++) {
      this.#transaction(() => {
        this.#db.exec(migrations[next]!);
        this.#db.exec(`PRAGMA user_version = ${next + 1}`);
      });
    }
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  async commit(change: Change): Promise<AuditEvent[]> {
    return this.#transaction(() => {
      if (change.insertRequest) this.#insertRequest(change.insertRequest);
      if (change.updateRequest) this.#db.prepare('UPDATE requests SET state = ? WHERE id = ?').run(change.updateRequest.state, change.updateRequest.id);
      if (change.insertGrant) this.#insertGrant(change.insertGrant);
      if (change.updateGrant) this.#updateGrant(change.updateGrant.id, change.updateGrant.patch);
      const last = this.#db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
      let seq = last ? Number(last.seq) : 0;
      let prevHash = last ? String(last.hash) : GENESIS_HASH;
      const sealed: AuditEvent[] = [];
      const insert = this.#db.prepare(
        'INSERT INTO audit_events (seq, at, type, actor, request_id, grant_id, ticket, role, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
      );
      for (const draft of change.events) {
        const event = sealEvent(draft, ++seq, this.#now(), prevHash);
        insert.run(event.seq, event.at, event.type, event.actor, event.requestId, event.grantId, event.ticket, event.role, JSON.stringify(event.data), event.prevHash, event.hash);
        prevHash = event.hash;
        sealed.push(event);
      }
      return sealed;
    });
  }

  #insertRequest(r: RequestRecord): void {
    this.#db
      .prepare('INSERT INTO requests (id, role, ticket, ticket_verified, requester, reason, ttl_seconds, state, created_at) VALUES (?,?,?,?,?,?,?,?,?)')
      .run(r.id, r.role, r.ticket, r.ticketVerified ? 1 : 0, r.requester, r.reason, r.ttlSeconds, r.state, r.createdAt);
  }

  #insertGrant(grant: GrantRecord): void {
    const keys = Object.keys(grantColumns) as (keyof GrantRecord)[];
    this.#db
      .prepare(`INSERT INTO grants (${keys.map((k) => grantColumns[k]).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`)
      .run(...keys.map((k) => grant[k] as SQLInputValue));
  }

  #updateGrant(id: string, patch: Partial<GrantRecord>): void {
    const keys = Object.keys(patch) as (keyof GrantRecord)[];
    if (keys.length === 0) return;
    // Column names come from the fixed map above, never from input.
    this.#db
      .prepare(`UPDATE grants SET ${keys.map((k) => `${grantColumns[k]} = ?`).join(', ')} WHERE id = ?`)
      .run(...keys.map((k) => patch[k] as SQLInputValue), id);
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const row = this.#db.prepare('SELECT * FROM grants WHERE id = ?').get(id) as Row | undefined;
    return row && grantFromRow(row);
  }

  async listGrants(filter: GrantFilter = {}): Promise<GrantRecord[]> {
    const where: string[] = [];
    const values: SQLInputValue[] = [];
    if (filter.states) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      values.push(...filter.states);
    }
    if (filter.requester) {
      where.push('requester = ?');
      values.push(filter.requester);
    }
    const sql = `SELECT * FROM grants ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_at`;
    return (this.#db.prepare(sql).all(...values) as Row[]).map(grantFromRow);
  }

  async touchGrant(id: string, at: number): Promise<void> {
    this.#db.prepare('UPDATE grants SET last_heartbeat_at = ? WHERE id = ?').run(at, id);
  }

  async events(filter: EventFilter = {}): Promise<AuditEvent[]> {
    const where: string[] = [];
    const values: SQLInputValue[] = [];
    if (filter.grantId) {
      where.push('grant_id = ?');
      values.push(filter.grantId);
    }
    if (filter.ticket) {
      where.push('ticket = ?');
      values.push(filter.ticket);
    }
    const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    return (this.#db.prepare(sql).all(...values) as Row[]).map(eventFromRow);
  }

  async lastEvent(): Promise<AuditEvent | undefined> {
    const row = this.#db.prepare('SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    return row && eventFromRow(row);
  }

  async checkpoints(): Promise<Checkpoint[]> {
    return (this.#db.prepare('SELECT seq, hash, jws FROM audit_checkpoints ORDER BY seq').all() as Row[]).map((row) => ({
      seq: Number(row.seq),
      hash: String(row.hash),
      jws: String(row.jws),
    }));
  }

  async addCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.#db.prepare('INSERT OR IGNORE INTO audit_checkpoints (seq, hash, jws) VALUES (?,?,?)').run(checkpoint.seq, checkpoint.hash, checkpoint.jws);
  }

  async revokeToken(jti: string, expiresAt: number): Promise<void> {
    this.#db.prepare('INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)').run(jti, expiresAt);
  }

  async isTokenRevoked(jti: string): Promise<boolean> {
    return this.#db.prepare('SELECT 1 FROM revoked_tokens WHERE jti = ?').get(jti) !== undefined;
  }

  close(): void {
    this.#db.close();
  }
}
