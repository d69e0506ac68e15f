// The postgres issuer: per grant, a login role with a random password that is valid until the grant
// ends and a member of the policy's roles. Revoked for real: no new logins and no memberships, live
// sessions ended, what it made dropped (or handed to a holder role) in every database, the role dropped;
// verified by asking the server that neither the role nor a session of it is left.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parse as parseConnectionString, type ConnectionOptions } from 'pg-connection-string';
import { JitError } from '../../../core/errors.js';
import type { GrantRecord } from '../../records.js';
import { NothingIssued, type IssuedCredential, type Issuer, type IssueSubject } from '../issuer.js';
import { readSecretReference, type SecretSources } from '../secret-reference.js';
import type { PostgresConfig } from './schema.js';
import { scramVerifier } from './scram.js';

/**
 * The login role of a grant. Named after the grant, not kept in the handle alone: a broker that dies
 * between CREATE ROLE and recording the grant as issued still knows what to drop.
 */
export function loginRoleName(grantId: string): string {
  return `jit_${grantId}`;
}

const { escapeIdentifier, escapeLiteral } = pg;
const HINT = 'check that the database server is up and the admin connection in the policy is right';

interface AdminConnection {
  url: string;
  parsed: ConnectionOptions;
}

export class PostgresIssuer implements Issuer {
  /** Role ids dropped by this instance's revoke, for its verify: a session that outlived its role has no name left. */
  readonly #dropped = new Map<string, number>();

  constructor(
    private readonly config: PostgresConfig,
    private readonly sources: SecretSources,
  ) {}

  /** The admin connection string, read and parsed; a problem with it means nothing was sent anywhere. */
  async #admin(): Promise<AdminConnection> {
    let url: string;
    try {
      url = await readSecretReference(this.config.connection, this.sources);
    } catch (error) {
      if (!(error instanceof JitError)) throw error;
      throw new NothingIssued(error.code, error.message, { ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error });
    }
    try {
      if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('not a URL');
      new URL(url);
      return { url, parsed: parseConnectionString(url) };
    } catch {
      // SECURITY: the string holds the admin password: never echoed, not even in part.
      throw new NothingIssued('config', `the admin connection in ${this.config.connection} is not a postgres:// URL jit can read`, {
        hint: 'write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE, with reserved characters in the password percent-encoded',
      });
    }
  }

  /** One admin connection per operation (to `database`, else the connection's own): nothing stays open, nothing stale is reused. */
  async #asAdmin<T>(action: string, work: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
    const admin = await this.#admin();
    let url = admin.url;
    if (database !== undefined) {
      const other = new URL(admin.url);
      other.pathname = `/${encodeURIComponent(database)}`;
      url = other.toString();
    }
    const timeoutMs = this.config.timeoutSeconds * 1000;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs, query_timeout: timeoutMs + 1000, application_name: 'jit' });
    // A connection that breaks while idle must not take the broker down with it.
    client.on('error', () => {});
    let connected = false;
    try {
      await client.connect();
      connected = true;
      return await work(client);
    } catch (error) {
      if (error instanceof JitError) throw error;
      // SECURITY: the admin password must not reach an error, an audit event or a log.
      let message = (error as Error).message;
      if (admin.parsed.password) message = message.split(admin.parsed.password).join('***');
      // Not connected: no statement was sent, so nothing can have been made at the server.
      throw new (connected ? JitError : NothingIssued)('unavailable', `PostgreSQL ${action} failed: ${message}`, { hint: HINT });
    } finally {
      await client.end().catch(() => {});
    }
  }

  async issue(grant: IssueSubject): Promise<IssuedCredential> {
    const role = loginRoleName(grant.id);
    // ASCII only, so the verifier needs no SASLprep; 192 bits.
    const password = randomBytes(24).toString('base64url');
    const { parsed } = await this.#admin();
    await this.#asAdmin('issue', async (client) => {
      const quoted = escapeIdentifier(role);
      // SECURITY: the password's end is the grant's: a role left behind by a failed revocation cannot log in afterwards.
      const validUntil = escapeLiteral(new Date(grant.expiresAtMs).toISOString());
      await client.query('BEGIN');
      await client.query(
        `CREATE ROLE ${quoted} LOGIN PASSWORD ${escapeLiteral(scramVerifier(password))} VALID UNTIL ${validUntil} IN ROLE ${this.config.grant.map(escapeIdentifier).join(', ')}`,
      );
      // The admin takes the role's privileges, which REASSIGN OWNED and DROP OWNED need at revocation
      // (a CREATEROLE admin that is not a superuser is not made a member by creating it).
      await client.query(`GRANT ${quoted} TO CURRENT_USER`);
      // For whoever looks at the server: who this role is and why it exists.
      await client.query(`COMMENT ON ROLE ${quoted} IS ${escapeLiteral(`jit grant ${grant.id}: ${grant.requester}, role ${grant.role}, ticket ${grant.ticket}`)}`);
      await client.query('COMMIT');
    });
    return { env: this.#sessionEnv(parsed, role, password), handle: role };
  }

  #sessionEnv(admin: ConnectionOptions, user: string, password: string): Record<string, string> {
    const host = this.config.host ?? admin.host ?? 'localhost';
    const port = String(this.config.port ?? admin.port ?? 5432);
    const database = this.config.database ?? admin.database ?? 'postgres';
    const sslmode = typeof admin.sslmode === 'string' ? admin.sslmode : undefined;
    // A socket directory goes in the query: a URL's host cannot hold a path.
    const query = new URLSearchParams({ ...(host.startsWith('/') ? { host } : {}), ...(sslmode ? { sslmode } : {}) }).toString();
    const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host.startsWith('/') ? '' : host.includes(':') ? `[${host}]` : host}:${port}/${encodeURIComponent(database)}${query ? `?${query}` : ''}`;
    return {
      PGHOST: host,
      PGPORT: port,
      PGUSER: user,
      PGPASSWORD: password,
      PGDATABASE: database,
      ...(sslmode ? { PGSSLMODE: sslmode } : {}),
      DATABASE_URL: url,
    };
  }

  async revoke(grant: GrantRecord): Promise<void> {
    const role = loginRoleName(grant.id);
    const quoted = escapeIdentifier(role);
    const timeoutMs = this.config.timeoutSeconds * 1000;
    const databases = await this.#asAdmin('revoke', async (client) => {
      const found = await client.query<{ oid: number }>('SELECT oid::int AS oid FROM pg_roles WHERE rolname = $1', [role]);
      if (found.rowCount === 0) return [];
      const oid = found.rows[0]!.oid;
      this.#dropped.set(grant.id, oid);
      // SECURITY: first no new logins and no privileges through the policy's roles, in one step: should
      // the role outlive this revocation (an object somewhere it cannot be dropped for), it holds nothing.
      const { rows: memberships } = await client.query<{ name: string }>('SELECT roleid::regrole::text AS name FROM pg_auth_members WHERE member = $1', [oid]);
      await client.query('BEGIN');
      await client.query(`ALTER ROLE ${quoted} NOLOGIN`);
      for (const { name } of memberships) await client.query(`REVOKE ${name} FROM ${quoted}`);
      await client.query('COMMIT');
      // DROP ROLE leaves live sessions running: each is ended here, by the role's id, and waited for.
      const { rows: sessions } = await client.query<{ ended: boolean }>(
        'SELECT pg_terminate_backend(pid, $2) AS ended FROM pg_stat_activity WHERE usesysid = $1 AND pid <> pg_backend_pid()',
        [oid, timeoutMs],
      );
      if (sessions.some((session) => !session.ended)) throw new JitError('unavailable', `a session of ${role} did not end within ${this.config.timeoutSeconds}s`, { hint: HINT });
      // What the role made is in whichever databases it made it in: each is cleared through its own connection.
      const { rows } = await client.query<{ name: string }>(
        "SELECT DISTINCT d.datname AS name FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1",
        [oid],
      );
      return rows.map((row) => row.name);
    });
    for (const database of databases) {
      await this.#asAdmin(
        'revoke',
        async (client) => {
          await client.query('BEGIN');
          // Handed to the holder role the policy names, or dropped; DROP OWNED then takes away the
          // privileges granted to the role, which would otherwise block DROP ROLE.
          if (this.config.ownedObjects !== 'drop') await client.query(`REASSIGN OWNED BY ${quoted} TO ${escapeIdentifier(this.config.ownedObjects.reassignTo)}`);
          await client.query(`DROP OWNED BY ${quoted}`);
          await client.query('COMMIT');
        },
        database,
      );
    }
    await this.#asAdmin('revoke', (client) => client.query(`DROP ROLE IF EXISTS ${quoted}`));
  }

  async verifyRevoked(grant: GrantRecord): Promise<boolean> {
    const role = loginRoleName(grant.id);
    const oid = this.#dropped.get(grant.id) ?? -1;
    return this.#asAdmin('verify', async (client) => {
      const { rows } = await client.query<{ roles: number; sessions: number }>(
        'SELECT (SELECT count(*) FROM pg_roles WHERE rolname = $1)::int AS roles, (SELECT count(*) FROM pg_stat_activity WHERE usename = $1 OR usesysid = $2)::int AS sessions',
        [role, oid],
      );
      return rows[0]!.roles === 0 && rows[0]!.sessions === 0;
    });
  }

  async renew(grant: GrantRecord, expiresAtMs: number): Promise<void> {
    const role = loginRoleName(grant.id);
    await this.#asAdmin('renew', (client) => client.query(`ALTER ROLE ${escapeIdentifier(role)} VALID UNTIL ${escapeLiteral(new Date(expiresAtMs).toISOString())}`));
  }
}
