// The postgres issuer: per grant, a login role with a random password that is valid until the grant
// ends and a member of the policy's roles. Revoked for real: no new logins, live sessions ended, its
// objects handed over or dropped, the role dropped; verified by asking the server that neither the role
// nor a session of it is left.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { JitError } from '../../../core/errors.js';
import type { GrantRecord } from '../../records.js';
import { NothingIssued, type IssuedCredential, type Issuer, type IssueSubject } from '../issuer.js';
import { readSecretReference } from '../secret-reference.js';
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

export class PostgresIssuer implements Issuer {
  constructor(
    private readonly config: PostgresConfig,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** One admin connection per operation: nothing stays open between grants, nothing stale is reused. */
  async #asAdmin<T>(action: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const connectionString = readSecretReference(this.config.connection, this.env);
    const timeoutMs = this.config.timeoutSeconds * 1000;
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs, query_timeout: timeoutMs + 1000, application_name: 'jit' });
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
      const password = client.password;
      let message = (error as Error).message;
      if (password) message = message.split(password).join('***');
      const hint = 'check that the database server is up and the admin connection in the policy is right';
      // Not connected: no statement was sent, so nothing can have been made at the server.
      throw new (connected ? JitError : NothingIssued)('unavailable', `PostgreSQL ${action} failed: ${message}`, { hint });
    } finally {
      await client.end().catch(() => {});
    }
  }

  async issue(grant: IssueSubject): Promise<IssuedCredential> {
    const role = loginRoleName(grant.id);
    // ASCII only, so the verifier needs no SASLprep; 192 bits.
    const password = randomBytes(24).toString('base64url');
    const connectionString = readSecretReference(this.config.connection, this.env);
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
    return { env: this.#sessionEnv(connectionString, role, password), handle: role };
  }

  #sessionEnv(connectionString: string, user: string, password: string): Record<string, string> {
    const admin = parseConnectionString(connectionString);
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
    const timeoutMs = this.config.timeoutSeconds * 1000;
    await this.#asAdmin('revoke', async (client) => {
      const quoted = escapeIdentifier(role);
      const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1;
      // SECURITY: first no new logins, then the sessions: a login between the two steps would survive.
      if (exists) await client.query(`ALTER ROLE ${quoted} NOLOGIN`);
      // DROP ROLE leaves live sessions running: they are ended here, waiting until each is gone.
      await client.query('SELECT pg_terminate_backend(pid, $2) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [role, timeoutMs]);
      if (!exists) return;
      await client.query('BEGIN');
      // What the role made during the task is kept (handed to the admin) or dropped, as the policy says;
      // DROP OWNED then takes away the privileges granted to it, which would otherwise block DROP ROLE.
      if (this.config.ownedObjects === 'reassign') await client.query(`REASSIGN OWNED BY ${quoted} TO CURRENT_USER`);
      await client.query(`DROP OWNED BY ${quoted}`);
      await client.query(`DROP ROLE ${quoted}`);
      await client.query('COMMIT');
    });
  }

  async verifyRevoked(grant: GrantRecord): Promise<boolean> {
    const role = loginRoleName(grant.id);
    return this.#asAdmin('verify', async (client) => {
      const { rows } = await client.query<{ roles: number; sessions: number }>(
        'SELECT (SELECT count(*) FROM pg_roles WHERE rolname = $1)::int AS roles, (SELECT count(*) FROM pg_stat_activity WHERE usename = $1)::int AS sessions',
        [role],
      );
      return rows[0]!.roles === 0 && rows[0]!.sessions === 0;
    });
  }

  async renew(grant: GrantRecord, expiresAtMs: number): Promise<void> {
    const role = loginRoleName(grant.id);
    await this.#asAdmin('renew', (client) => client.query(`ALTER ROLE ${escapeIdentifier(role)} VALID UNTIL ${escapeLiteral(new Date(expiresAtMs).toISOString())}`));
  }
}
