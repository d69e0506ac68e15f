// The embedded store: node:sqlite in WAL mode, a 0600 file in the private state dir.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { JitError } from '../../core/errors.js';
import { preparePrivateFile, privateFileExists } from '../../platform/paths.js';
import { processesHolding } from '../../platform/file-holders.js';
import { advanceAnchor, readAnchor } from '../audit/anchor.js';
import type { AuditKeyState, PublicJwk } from '../audit/audit-key.js';
import type { KeyProvider } from '../key-provider.js';
import { sealBatch } from '../audit/chain.js';
import { openCheckpoint } from '../audit/checkpoint.js';
import type { ApprovalRecord, AuditEvent, Checkpoint, GrantRecord, RequestRecord } from '../records.js';
import { migrations } from './sqlite-migrations.js';
import { approvalFromRow, eventFilterSql, eventFromRow, expectation, grantColumns, grantFilterSql, grantFromRow, grantValue, requestFilterSql, requestFromRow } from './rows.js';
import { assertLifecycle, assertRequestLifecycle, ExpectationFailed, type AuditPage, type AuditSnapshot, type Change, type EventFilter, type GrantFilter, type GrantUpdate, type RequestFilter, type RequestUpdate, type Store } from './store.js';

type Row = Record<string, SQLInputValue>;

/** Space set aside in the state dir and given back when the disk fills, so a session's end is still recorded. */
const DISK_RESERVE_FILE = 'disk-reserve';
const DISK_RESERVE_BYTES = 1024 * 1024;
const SQLITE_BUSY = 5;
const SQLITE_IOERR = 10;
/** How often, at most, a busy store moves its anchor file; a commit after a quiet spell moves it at once. */
const ANCHOR_INTERVAL_MS = 1000;
const SQLITE_FULL = 13;
const META_AUDIT_KEY = 'audit_public_jwk';
const META_ANCHORED = 'audit_anchored';

function sqliteCode(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown }).errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

export interface SqliteStoreOptions {
  /** The private state dir: the anchor and the disk reserve live beside the database. */
  stateDir: string;
  /** Where the audit key comes from. */
  keys: KeyProvider;
  now?: () => Date;
}

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  // Prepared once, not per call: preparing costs more than running most of these.
  readonly #statements = new Map<string, StatementSync>();
  /** The newest checkpoint not yet in the anchor file, and when the anchor last moved. */
  #unanchored: Checkpoint | undefined;
  #anchorMovedAt = 0;
  #anchorTimer: NodeJS.Timeout | undefined;
  #anchoredFlag = false;
  readonly #path: string;
  readonly #stateDir: string;
  readonly #now: () => Date;
  readonly #keys: KeyProvider;
  #auditKey!: AuditKeyState;

  private constructor(db: DatabaseSync, path: string, options: SqliteStoreOptions) {
    this.#db = db;
    this.#path = path;
    this.#stateDir = options.stateDir;
    this.#keys = options.keys;
    this.#now = options.now ?? (() => new Date());
  }

  static open(path: string, options: SqliteStoreOptions): SqliteStore {
    let db: DatabaseSync;
    try {
      // SECURITY: create the file 0600 before SQLite does; its -wal and -shm files copy these permissions.
      preparePrivateFile(path);
      // The busy timeout is set as the connection opens: switching to WAL needs the file to itself, and
      // another jit's read at that moment (a prompt's `jit status`) must be waited out, not fatal.
      db = new DatabaseSync(path, { timeout: 5000 });
      db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;');
    } catch (error) {
      throw new JitError('os', `cannot open the state database ${path}: ${(error as Error).message}`, {
        hint: 'check that the state dir is yours and writable (jit doctor will say more)',
        cause: error,
      });
    }
    const store = new SqliteStore(db, path, options);
    store.#migrate();
    store.#openAudit();
    store.#keepDiskReserve();
    return store;
  }

  #migrate(): void {
    const version = Number((this.#statement('PRAGMA user_version').get() as Row).user_version);
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

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      // Bounded: the SQL is fixed text, or built from a fixed map of columns, so there are only so many.
      if (this.#statements.size < 256) this.#statements.set(sql, statement);
    }
    return statement;
  }

  #meta(name: string): string | undefined {
    const row = this.#statement('SELECT value FROM meta WHERE name = ?').get(name) as Row | undefined;
    return row === undefined ? undefined : String(row.value);
  }

  #setMeta(name: string, value: string): void {
    this.#statement('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  /** Loads the audit key against the one recorded with the chain; records it when the chain is new. */
  #openAudit(): void {
    const recorded = this.#meta(META_AUDIT_KEY);
    const empty = this.#statement('SELECT 1 FROM audit_events LIMIT 1').get() === undefined;
    this.#auditKey = this.#keys.auditKey({ publicJwk: recorded ? (JSON.parse(recorded) as PublicJwk) : null, empty });
    const signer = this.#auditKey.signer;
    if (!recorded && signer) this.#transaction(() => this.#meta(META_AUDIT_KEY) ?? this.#setMeta(META_AUDIT_KEY, JSON.stringify(signer.publicJwk)));
    // A chain from before the anchor existed adopts one once, at its current head. Not one whose signed
    // checkpoints say it was anchored: there the anchor was removed, and verify must say so.
    if (!empty && this.#meta(META_ANCHORED) === undefined && readAnchor(this.#stateDir).kind === 'absent') {
      const last = this.#statement('SELECT seq, hash, jws FROM audit_checkpoints ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
      const verifier = this.#auditKey.verifier;
      const everAnchored = last !== undefined && verifier !== undefined && openCheckpoint(String(last.jws), verifier)?.anchored === true;
      if (last && !everAnchored) this.#transaction(() => this.#anchorAt({ seq: Number(last.seq), hash: String(last.hash), jws: String(last.jws) }));
    }
  }

  #anchorAt(checkpoint: Checkpoint): void {
    advanceAnchor(this.#stateDir, checkpoint);
    if (!this.#anchoredFlag && this.#meta(META_ANCHORED) === undefined) this.#setMeta(META_ANCHORED, '1');
    this.#anchoredFlag = true;
  }

  /**
   * Moves the anchor to the newest checkpoint: at once when it has not moved for a while, else when the
   * interval ends (or at close, whichever comes first). A lagging anchor still vouches for everything before
   * it; moving it on every commit cost a file rename each (the most a busy broker spent on one commit).
   */
  #advanceAnchor(checkpoint: Checkpoint | undefined, force: boolean): void {
    if (checkpoint && (this.#unanchored?.seq ?? 0) < checkpoint.seq) this.#unanchored = checkpoint;
    const pending = this.#unanchored;
    if (!pending) return;
    const wait = this.#anchorMovedAt + ANCHOR_INTERVAL_MS - Date.now();
    if (!force && wait > 0) {
      // SECURITY: put off, never dropped: a store that goes quiet still anchors its last checkpoint.
      this.#anchorTimer ??= setTimeout(() => {
        this.#anchorTimer = undefined;
        this.#advanceAnchor(undefined, true);
      }, wait).unref();
      return;
    }
    clearTimeout(this.#anchorTimer);
    this.#anchorTimer = undefined;
    // A second, short lock keeps the anchor moving forward only: it may lag the chain, never lead it.
    try {
      this.#transaction(() => this.#anchorAt(pending));
      this.#unanchored = undefined;
      this.#anchorMovedAt = Date.now();
    } catch {
      // The next commit, or the close, tries again.
    }
  }

  #keepDiskReserve(): void {
    const path = join(this.#stateDir, DISK_RESERVE_FILE);
    if (privateFileExists(path)) return;
    try {
      writeFileSync(path, Buffer.alloc(DISK_RESERVE_BYTES), { mode: 0o600, flag: 'wx' });
    } catch {
      // The disk is already short: no reserve this time, and no half-written one either.
      rmSync(path, { force: true });
    }
  }

  /** Gives the reserve back to the disk; true if there was one to give. */
  #releaseDiskReserve(): boolean {
    const path = join(this.#stateDir, DISK_RESERVE_FILE);
    if (!privateFileExists(path)) return false;
    rmSync(path, { force: true });
    return true;
  }

  #transaction<T>(work: () => T): T {
    try {
      return this.#attempt(work);
    } catch (error) {
      const code = sqliteCode(error);
      // SECURITY: a full disk must not cost the audit of a session's end or revocation: use the reserve.
      if ((code === SQLITE_FULL || code === SQLITE_IOERR) && this.#releaseDiskReserve()) return this.#attempt(work);
      throw this.#explain(error);
    }
  }

  #attempt<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      // SQLite may already have rolled back (a full disk, for one); the original error is what matters.
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #explain(error: unknown): unknown {
    const code = sqliteCode(error);
    if (code === SQLITE_BUSY) {
      const holders = processesHolding([this.#path, `${this.#path}-wal`, `${this.#path}-shm`]);
      const who = holders.length ? ` by ${holders.map((h) => `pid ${h.pid} (${h.command})`).join(', ')}` : ' by another process';
      return new JitError('unavailable', `the state database ${this.#path} is locked${who}`, {
        hint: 'wait for that command to finish and try again; if it hangs, end it',
        cause: error,
      });
    }
    if (code === SQLITE_FULL || code === SQLITE_IOERR) {
      return new JitError('os', `cannot write the state database ${this.#path}: ${(error as Error).message}`, {
        hint: 'free space on that disk (df -h), then run any jit command: it retries what is pending',
        cause: error,
      });
    }
    return error;
  }

  async commit(change: Change): Promise<AuditEvent[] | undefined> {
    let written;
    try {
      written = this.#transaction(() => this.#write(change));
    } catch (error) {
      if (error instanceof ExpectationFailed) return undefined;
      throw error;
    }
    if (written?.checkpoint) this.#advanceAnchor(written.checkpoint, false);
    return written?.events;
  }

  /** The change's rows and sealed events, inside the transaction; undefined (nothing written) when updateGrant's expectation fails. */
  #write(change: Change): { events: AuditEvent[]; checkpoint: Checkpoint | undefined } | undefined {
    // The expectations are checked first: when one fails, nothing of the change is written (what was, is rolled back).
    if (change.updateGrant && !this.#updateGrant(change.updateGrant)) return undefined;
    if (change.updateRequest && !this.#updateRequest(change.updateRequest)) throw new ExpectationFailed();
    if (change.insertApproval && !this.#insertApproval(change.insertApproval)) throw new ExpectationFailed();
    if (change.insertRequest) this.#insertRequest(change.insertRequest);
    if (change.insertGrant) this.#insertGrant(change.insertGrant);
    const head = this.#statement('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    // SECURITY: a checkpoint only ever extends a signed head. Events someone appended without the key
    // stay unsigned for good, so no later checkpoint can vouch for them.
    const signer = this.#unsignedTail() ? undefined : this.#auditKey.signer;
    const { events, checkpoint } = sealBatch(head && { seq: Number(head.seq), hash: String(head.hash) }, change.events, this.#now(), signer, true);
    const insert = this.#statement(
      'INSERT INTO audit_events (seq, at, type, actor, request_id, grant_id, ticket, role, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
    );
    for (const e of events) insert.run(e.seq, e.at, e.type, e.actor, e.requestId, e.grantId, e.ticket, e.role, JSON.stringify(e.data), e.prevHash, e.hash);
    if (checkpoint) this.#statement('INSERT INTO audit_checkpoints (seq, hash, jws) VALUES (?,?,?)').run(checkpoint.seq, checkpoint.hash, checkpoint.jws);
    return { events, checkpoint };
  }

  #insertRequest(r: RequestRecord): void {
    this.#statement('INSERT INTO requests (id, role, ticket, ticket_verified, requester, reason, ttl_seconds, state, created_at, pending_until, renews_grant) VALUES (?,?,?,?,?,?,?,?,?,?,?)')
      .run(r.id, r.role, r.ticket, r.ticketVerified ? 1 : 0, r.requester, r.reason, r.ttlSeconds, r.state, r.createdAtMs, r.pendingUntilMs, r.renewsGrant);
  }

  #updateRequest(update: RequestUpdate): boolean {
    assertRequestLifecycle(update);
    return Number(this.#statement('UPDATE requests SET state = ? WHERE id = ? AND state = ?').run(update.patch.state, update.id, update.expect.state).changes) === 1;
  }

  /** False when this approver already approved this request. */
  #insertApproval(a: ApprovalRecord): boolean {
    return Number(this.#statement('INSERT INTO approvals (request_id, approver, at, reason) VALUES (?,?,?,?) ON CONFLICT DO NOTHING').run(a.requestId, a.approver, a.atMs, a.reason).changes) === 1;
  }

  async getRequest(id: string): Promise<RequestRecord | undefined> {
    const row = this.#statement('SELECT * FROM requests WHERE id = ?').get(id) as Row | undefined;
    return row && requestFromRow(row);
  }

  async listRequests(filter: RequestFilter = {}): Promise<RequestRecord[]> {
    const { where, values } = requestFilterSql(filter);
    return (this.#statement(`SELECT * FROM requests ${where} ORDER BY created_at, id`).all(...(values as SQLInputValue[])) as Row[]).map(requestFromRow);
  }

  async approvals(requestId: string): Promise<ApprovalRecord[]> {
    return (this.#statement('SELECT * FROM approvals WHERE request_id = ? ORDER BY at, approver').all(requestId) as Row[]).map(approvalFromRow);
  }

  #insertGrant(grant: GrantRecord): void {
    const keys = Object.keys(grantColumns) as (keyof GrantRecord)[];
    this.#statement(`INSERT INTO grants (${keys.map((k) => grantColumns[k]).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`)
      .run(...keys.map((k) => grantValue(grant, k) as SQLInputValue));
  }

  /** Applies the patch only where the grant still matches the expectation; true when it did. */
  #updateGrant(update: GrantUpdate): boolean {
    assertLifecycle(update);
    const { id, expect, patch } = update;
    const keys = Object.keys(patch) as (keyof typeof patch)[];
    const where = expectation(expect);
    // Column names come from the fixed map above, never from input.
    const set = keys.length ? keys.map((k) => `${grantColumns[k]} = ?`).join(', ') : 'id = id';
    const result = this.#statement(`UPDATE grants SET ${set} WHERE id = ?${where.sql}`).run(...keys.map((k) => patch[k] as SQLInputValue), id, ...(where.values as SQLInputValue[]));
    return Number(result.changes) === 1;
  }

  async claimRevocation(id: string, expect: { revocationAttempts: number; handle: string | null }, now: number, until: number): Promise<boolean> {
    const where = expectation({ ...expect, revocation: ['pending', 'failed'] });
    return this.#transaction(() => {
      const result = this.#statement(`UPDATE grants SET revocation_lease_until = ? WHERE id = ? AND (revocation_lease_until IS NULL OR revocation_lease_until <= ?)${where.sql}`)
        .run(until, id, now, ...(where.values as SQLInputValue[]));
      return Number(result.changes) === 1;
    });
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const row = this.#statement('SELECT * FROM grants WHERE id = ?').get(id) as Row | undefined;
    return row && grantFromRow(row);
  }

  async listGrants(filter: GrantFilter = {}): Promise<GrantRecord[]> {
    const { where, values } = grantFilterSql(filter);
    return (this.#statement(`SELECT * FROM grants ${where} ORDER BY issued_at`).all(...(values as SQLInputValue[])) as Row[]).map(grantFromRow);
  }

  async touchGrant(id: string, at: number): Promise<void> {
    this.#transaction(() => this.#statement("UPDATE grants SET last_heartbeat_at = ? WHERE id = ? AND state IN ('issuing', 'active')").run(at, id));
  }

  async events(filter: EventFilter = {}): Promise<AuditEvent[]> {
    const { where, values } = eventFilterSql(filter);
    return (this.#statement(`SELECT * FROM audit_events ${where} ORDER BY seq`).all(...(values as SQLInputValue[])) as Row[]).map(eventFromRow);
  }

  async auditSnapshot(): Promise<AuditSnapshot> {
    // Under the write lock, so the anchor cannot move on between reading the chain and reading it.
    return this.#transaction(() => ({
      events: (this.#statement('SELECT * FROM audit_events ORDER BY seq').all() as Row[]).map(eventFromRow),
      checkpoints: (this.#statement('SELECT seq, hash, jws FROM audit_checkpoints ORDER BY seq').all() as Row[]).map((row) => ({
        seq: Number(row.seq),
        hash: String(row.hash),
        jws: String(row.jws),
      })),
      anchor: readAnchor(this.#stateDir),
      anchorRequired: this.#meta(META_ANCHORED) !== undefined,
      verifier: this.#auditKey.verifier,
      keyProblem: this.#auditKey.problem,
    }));
  }

  async auditPage(afterSeq: number, limit: number): Promise<AuditPage> {
    const events = (this.#statement('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[]).map(eventFromRow);
    const last = events.at(-1)?.seq ?? afterSeq;
    const checkpoints = (this.#statement('SELECT seq, hash, jws FROM audit_checkpoints WHERE seq > ? AND seq <= ? ORDER BY seq').all(afterSeq, last) as Row[]).map((row) => ({ seq: Number(row.seq), hash: String(row.hash), jws: String(row.jws) }));
    const head = this.#statement('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    return { events, checkpoints, head: head ? { seq: Number(head.seq), hash: String(head.hash) } : null, verifier: this.#auditKey.verifier };
  }

  /** Events after the last signed checkpoint: the first of them and the head, if there are any. */
  #unsignedTail(): { from: number; to: number } | undefined {
    const row = this.#statement('SELECT (SELECT MAX(seq) FROM audit_events) AS head, (SELECT MAX(seq) FROM audit_checkpoints) AS signed').get() as Row;
    const head = Number(row.head ?? 0);
    const signed = Number(row.signed ?? 0);
    return head > signed ? { from: signed + 1, to: head } : undefined;
  }

  async auditProblem(): Promise<JitError | undefined> {
    if (this.#auditKey.problem) return this.#auditKey.problem;
    const tail = this.#unsignedTail();
    if (!tail) return undefined;
    return new JitError('os', `the audit chain has events (${tail.from}–${tail.to}) written without the audit key after its last signed checkpoint, so jit will not issue`, {
      hint: `run \`jit audit verify\` and treat ${this.#stateDir} as tampered with; keep the evidence (jit audit export > audit.jsonl), then move the state dir away to start a new chain`,
    });
  }

  async revokeToken(jti: string, expiresAtMs: number): Promise<void> {
    this.#transaction(() => this.#statement('INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)').run(jti, expiresAtMs));
  }

  async isTokenRevoked(jti: string): Promise<boolean> {
    return this.#statement('SELECT 1 FROM revoked_tokens WHERE jti = ?').get(jti) !== undefined;
  }

  async close(): Promise<void> {
    this.#advanceAnchor(undefined, true);
    this.#db.close();
  }
}
