// The team store: PostgreSQL, shared by any number of `jit serve` replicas. Every write takes one
// advisory transaction lock, so the audit chain grows one commit at a time whichever replica writes
// (no forked chain), and grant changes are compare-and-set like everywhere else.
import pg from 'pg';
import { JitError } from '../../core/errors.js';
import { advanceAnchor, readAnchor, type AnchorReading } from '../audit/anchor.js';
import type { AuditKeyState, PublicJwk } from '../audit/audit-key.js';
import { sealBatch } from '../audit/chain.js';
import type { KeyProvider } from '../key-provider.js';
import type { ApprovalRecord, AuditEvent, Checkpoint, GrantRecord, RequestRecord } from '../records.js';
import { postgresMigrations } from './postgres-migrations.js';
import { approvalFromRow, eventFilterSql, eventFromRow, expectation, grantColumns, grantFilterSql, grantFromRow, grantValue, requestFilterSql, requestFromRow, type Row } from './rows.js';
import { assertLifecycle, assertRequestLifecycle, ExpectationFailed, type AuditPage, type AuditSnapshot, type Change, type EventFilter, type GrantFilter, type GrantUpdate, type RequestFilter, type RequestUpdate, type Store } from './store.js';

/** The advisory lock every write holds: 'jit' in ASCII. */
const CHAIN_LOCK = 0x6a6974;
const META_AUDIT_KEY = 'audit_public_jwk';
const META_ANCHORED = 'audit_anchored';
const INT8_OID = 20;
/** How often, at most, a busy broker moves its anchor file. */
const ANCHOR_INTERVAL_MS = 1000;

type Query = (sql: string, values?: unknown[]) => Promise<Row[]>;

/** `?` placeholders, as the shared SQL writes them, numbered as PostgreSQL wants ($1, $2, …). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Where the store is, without any password in it: for messages. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'the configured PostgreSQL';
  }
}

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database; the password never reaches a message. */
  url: string;
  keys: KeyProvider;
  /** A private directory on the broker host for the audit anchor; without one, no anchor is kept. */
  anchorDir?: string;
  now?: () => Date;
}

export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #where: string;
  readonly #options: PostgresStoreOptions;
  readonly #now: () => Date;
  #auditKey!: AuditKeyState;
  /** The newest checkpoint not yet in the anchor file, and when the anchor last moved. */
  #unanchored: Checkpoint | undefined;
  #anchorMovedAt = 0;
  #anchorTimer: NodeJS.Timeout | undefined;
  #anchoredFlag = false;

  private constructor(pool: pg.Pool, options: PostgresStoreOptions) {
    this.#pool = pool;
    this.#options = options;
    this.#where = describeUrl(options.url);
    this.#now = options.now ?? (() => new Date());
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: 8,
      connectionTimeoutMillis: 5000,
      // Millisecond times are BIGINT; they fit a double, and records hold numbers.
      types: { getTypeParser: ((oid: number, format?: string) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text'))) as never },
    });
    // An idle connection the server drops is replaced on next use; it must not crash the broker.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, options);
    try {
      await store.#migrate();
      await store.#openAudit();
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    return store;
  }

  async #transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw new JitError('unavailable', `cannot reach the PostgreSQL store at ${this.#where}: ${(error as Error).message}`, {
        hint: 'check that PostgreSQL is running and the store URL in the broker config is right',
        cause: error,
      });
    }
    const query: Query = async (sql, values = []) => (await client.query(numbered(sql), values)).rows as Row[];
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const result = await work(query);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async #migrate(): Promise<void> {
    await this.#transaction(async (query) => {
      await query('CREATE TABLE IF NOT EXISTS jit_schema (version INTEGER NOT NULL)');
      const [row] = await query('SELECT version FROM jit_schema');
      const version = row ? Number(row.version) : 0;
      if (!row) await query('INSERT INTO jit_schema (version) VALUES (0)');
      if (version > postgresMigrations.length) {
        throw new JitError('config', `the PostgreSQL store was written by a newer jit (schema ${version})`, { hint: 'upgrade jit on every broker' });
      }
      for (let next = version; next < postgresMigrations.length; next++) {
        await query(postgresMigrations[next]!);
        await query('UPDATE jit_schema SET version = ?', [next + 1]);
      }
    });
  }

  async #openAudit(): Promise<void> {
    await this.#transaction(async (query) => {
      const [recorded] = await query('SELECT value FROM meta WHERE name = ?', [META_AUDIT_KEY]);
      const empty = (await query('SELECT 1 FROM audit_events LIMIT 1')).length === 0;
      this.#auditKey = this.#options.keys.auditKey({ publicJwk: recorded ? (JSON.parse(String(recorded.value)) as PublicJwk) : null, empty });
      const signer = this.#auditKey.signer;
      if (!recorded && signer) await query('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [META_AUDIT_KEY, JSON.stringify(signer.publicJwk)]);
    });
  }

  async #unsignedTail(query: Query): Promise<{ from: number; to: number } | undefined> {
    const [row] = await query('SELECT (SELECT MAX(seq) FROM audit_events) AS head, (SELECT MAX(seq) FROM audit_checkpoints) AS signed');
    const head = Number(row?.head ?? 0);
    const signed = Number(row?.signed ?? 0);
    return head > signed ? { from: signed + 1, to: head } : undefined;
  }

  async commit(change: Change): Promise<AuditEvent[] | undefined> {
    const written = await this.#transaction(async (query) => {
      // The expectations are checked first: when one fails, nothing of the change is written (what was, is rolled back).
      if (change.updateGrant && !(await this.#updateGrant(query, change.updateGrant))) return undefined;
      if (change.updateRequest && !(await this.#updateRequest(query, change.updateRequest))) throw new ExpectationFailed();
      if (change.insertApproval && !(await this.#insertApproval(query, change.insertApproval))) throw new ExpectationFailed();
      if (change.insertRequest) await this.#insertRequest(query, change.insertRequest);
      if (change.insertGrant) await this.#insertGrant(query, change.insertGrant);
      // The head and whether it is signed, in one round trip: the lock is held for every one of them.
      const [head] = await query(
        'SELECT e.seq, e.hash, (SELECT MAX(seq) FROM audit_checkpoints) AS signed FROM audit_events e ORDER BY e.seq DESC LIMIT 1',
      );
      // SECURITY: a checkpoint only ever extends a signed head (see the SQLite store).
      const signer = head && Number(head.signed ?? 0) < Number(head.seq) ? undefined : this.#auditKey.signer;
      const { events, checkpoint } = sealBatch(head && { seq: Number(head.seq), hash: String(head.hash) }, change.events, this.#now(), signer, this.#options.anchorDir !== undefined);
      // All the events in one statement.
      await query(
        `INSERT INTO audit_events (seq, at, type, actor, request_id, grant_id, ticket, role, data, prev_hash, hash) VALUES ${events.map(() => '(?,?,?,?,?,?,?,?,?,?,?)').join(', ')}`,
        events.flatMap((e) => [e.seq, e.at, e.type, e.actor, e.requestId, e.grantId, e.ticket, e.role, JSON.stringify(e.data), e.prevHash, e.hash]),
      );
      if (checkpoint) await query('INSERT INTO audit_checkpoints (seq, hash, jws) VALUES (?,?,?)', [checkpoint.seq, checkpoint.hash, checkpoint.jws]);
      return { events, checkpoint };
    }).catch((error: unknown) => {
      if (error instanceof ExpectationFailed) return undefined;
      throw error;
    });
    if (written?.checkpoint) await this.#advanceAnchor(written.checkpoint, false);
    return written?.events;
  }

  /** As in the SQLite store: at once after a quiet spell, at most once a second while busy, and at close. */
  async #advanceAnchor(checkpoint: Checkpoint | undefined, force: boolean): Promise<void> {
    const anchorDir = this.#options.anchorDir;
    // Commits of one process may finish out of order: only a newer checkpoint replaces the one waiting.
    if (checkpoint && (this.#unanchored?.seq ?? 0) < checkpoint.seq) this.#unanchored = checkpoint;
    const pending = this.#unanchored;
    if (!anchorDir || !pending) return;
    const wait = this.#anchorMovedAt + ANCHOR_INTERVAL_MS - Date.now();
    if (!force && wait > 0) {
      // SECURITY: put off, never dropped: a broker that goes quiet still anchors its last checkpoint.
      this.#anchorTimer ??= setTimeout(() => {
        this.#anchorTimer = undefined;
        void this.#advanceAnchor(undefined, true);
      }, wait).unref();
      return;
    }
    clearTimeout(this.#anchorTimer);
    this.#anchorTimer = undefined;
    this.#unanchored = undefined;
    this.#anchorMovedAt = Date.now();
    await this.#transaction(async (query) => {
      advanceAnchor(anchorDir, pending);
      if (!this.#anchoredFlag) await query('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [META_ANCHORED, '1']);
      this.#anchoredFlag = true;
    }).catch(() => {
      // A lagging anchor still vouches for everything before it; the next commit, or the close, tries again.
      if ((this.#unanchored?.seq ?? 0) < pending.seq) this.#unanchored = pending;
    });
  }

  async #updateRequest(query: Query, update: RequestUpdate): Promise<boolean> {
    assertRequestLifecycle(update);
    return (await query('UPDATE requests SET state = ? WHERE id = ? AND state = ? RETURNING id', [update.patch.state, update.id, update.expect.state])).length === 1;
  }

  /** False when this approver already approved this request. */
  async #insertApproval(query: Query, a: ApprovalRecord): Promise<boolean> {
    return (await query('INSERT INTO approvals (request_id, approver, at, reason) VALUES (?,?,?,?) ON CONFLICT DO NOTHING RETURNING request_id', [a.requestId, a.approver, a.atMs, a.reason])).length === 1;
  }

  async getRequest(id: string): Promise<RequestRecord | undefined> {
    const [row] = await this.#read((query) => query('SELECT * FROM requests WHERE id = ?', [id]));
    return row && requestFromRow(row);
  }

  async listRequests(filter: RequestFilter = {}): Promise<RequestRecord[]> {
    const { where, values } = requestFilterSql(filter);
    return (await this.#read((query) => query(`SELECT * FROM requests ${where} ORDER BY created_at, id`, values))).map(requestFromRow);
  }

  async approvals(requestId: string): Promise<ApprovalRecord[]> {
    return (await this.#read((query) => query('SELECT * FROM approvals WHERE request_id = ? ORDER BY at, approver', [requestId]))).map(approvalFromRow);
  }

  async #insertRequest(query: Query, r: RequestRecord): Promise<void> {
    await query('INSERT INTO requests (id, role, ticket, ticket_verified, requester, reason, ttl_seconds, state, created_at, pending_until, renews_grant) VALUES (?,?,?,?,?,?,?,?,?,?,?)', [
      r.id, r.role, r.ticket, r.ticketVerified, r.requester, r.reason, r.ttlSeconds, r.state, r.createdAtMs, r.pendingUntilMs, r.renewsGrant,
    ]);
  }

  async #insertGrant(query: Query, grant: GrantRecord): Promise<void> {
    const keys = Object.keys(grantColumns) as (keyof GrantRecord)[];
    await query(`INSERT INTO grants (${keys.map((k) => grantColumns[k]).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`, keys.map((k) => grantValue(grant, k)));
  }

  async #updateGrant(query: Query, update: GrantUpdate): Promise<boolean> {
    assertLifecycle(update);
    const keys = Object.keys(update.patch) as (keyof typeof update.patch)[];
    const where = expectation(update.expect);
    const set = keys.length ? keys.map((k) => `${grantColumns[k]} = ?`).join(', ') : 'id = id';
    const rows = await query(`UPDATE grants SET ${set} WHERE id = ?${where.sql} RETURNING id`, [...keys.map((k) => update.patch[k]), update.id, ...where.values]);
    return rows.length === 1;
  }

  async claimRevocation(id: string, expect: { revocationAttempts: number; handle: string | null }, now: number, until: number): Promise<boolean> {
    const where = expectation({ ...expect, revocation: ['pending', 'failed'] });
    // One statement, atomic on its row: it touches no audit, so it takes no chain lock.
    const rows = await this.#read((query) =>
      query(`UPDATE grants SET revocation_lease_until = ? WHERE id = ? AND (revocation_lease_until IS NULL OR revocation_lease_until <= ?)${where.sql} RETURNING id`, [until, id, now, ...where.values]),
    );
    return rows.length === 1;
  }

  async #read<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const query: Query = async (sql, values = []) => {
      try {
        return (await this.#pool.query(numbered(sql), values)).rows as Row[];
      } catch (error) {
        throw new JitError('unavailable', `cannot read the PostgreSQL store at ${this.#where}: ${(error as Error).message}`, { cause: error });
      }
    };
    return work(query);
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const [row] = await this.#read((query) => query('SELECT * FROM grants WHERE id = ?', [id]));
    return row && grantFromRow(row);
  }

  async listGrants(filter: GrantFilter = {}): Promise<GrantRecord[]> {
    const { where, values } = grantFilterSql(filter);
    return (await this.#read((query) => query(`SELECT * FROM grants ${where} ORDER BY issued_at, id`, values))).map(grantFromRow);
  }

  async touchGrant(id: string, at: number): Promise<void> {
    await this.#read((query) => query("UPDATE grants SET last_heartbeat_at = ? WHERE id = ? AND state IN ('issuing', 'active')", [at, id]));
  }

  async events(filter: EventFilter = {}): Promise<AuditEvent[]> {
    const { where, values } = eventFilterSql(filter);
    return (await this.#read((query) => query(`SELECT * FROM audit_events ${where} ORDER BY seq`, values))).map(eventFromRow);
  }

  async auditSnapshot(): Promise<AuditSnapshot> {
    // Under the chain lock, so no commit (or anchor move) lands between the parts.
    return this.#transaction(async (query) => {
      const anchorDir = this.#options.anchorDir;
      const anchor: AnchorReading = anchorDir ? readAnchor(anchorDir) : { kind: 'absent' };
      return {
        events: (await query('SELECT * FROM audit_events ORDER BY seq')).map(eventFromRow),
        checkpoints: (await query('SELECT seq, hash, jws FROM audit_checkpoints ORDER BY seq')).map((row): Checkpoint => ({ seq: Number(row.seq), hash: String(row.hash), jws: String(row.jws) })),
        anchor,
        anchorRequired: anchorDir !== undefined && (await query('SELECT 1 FROM meta WHERE name = ?', [META_ANCHORED])).length > 0,
        verifier: this.#auditKey.verifier,
        keyProblem: this.#auditKey.problem,
      };
    });
  }

  async auditPage(afterSeq: number, limit: number): Promise<AuditPage> {
    return this.#read(async (query) => {
      const events = (await query('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])).map(eventFromRow);
      const last = events.at(-1)?.seq ?? afterSeq;
      const checkpoints = (await query('SELECT seq, hash, jws FROM audit_checkpoints WHERE seq > ? AND seq <= ? ORDER BY seq', [afterSeq, last])).map((row): Checkpoint => ({ seq: Number(row.seq), hash: String(row.hash), jws: String(row.jws) }));
      const [head] = await query('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
      return { events, checkpoints, head: head ? { seq: Number(head.seq), hash: String(head.hash) } : null, verifier: this.#auditKey.verifier };
    });
  }

  async auditProblem(): Promise<JitError | undefined> {
    if (this.#auditKey.problem) return this.#auditKey.problem;
    const tail = await this.#read((query) => this.#unsignedTail(query));
    if (!tail) return undefined;
    return new JitError('os', `the audit chain has events (${tail.from}–${tail.to}) written without the audit key after its last signed checkpoint, so jit will not issue`, {
      hint: 'run `jit audit verify` and treat the store as tampered with; keep the evidence (jit audit export > audit.jsonl)',
    });
  }

  async revokeToken(jti: string, expiresAtMs: number): Promise<void> {
    await this.#read((query) => query('INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING', [jti, expiresAtMs]));
  }

  async isTokenRevoked(jti: string): Promise<boolean> {
    return (await this.#read((query) => query('SELECT 1 FROM revoked_tokens WHERE jti = ?', [jti]))).length > 0;
  }

  async close(): Promise<void> {
    await this.#advanceAnchor(undefined, true);
    await this.#pool.end();
  }
}
