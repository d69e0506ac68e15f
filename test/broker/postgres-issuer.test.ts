// The postgres issuer against a real PostgreSQL that checks passwords (SCRAM on TCP): the login role
// works while the grant lives, and afterwards neither it nor any session of it is left.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresConfig } from '../../src/broker/issuers/postgres/schema.js';
import { loginRoleName, PostgresIssuer } from '../../src/broker/issuers/postgres/postgres-issuer.js';
import { scramVerifier } from '../../src/broker/issuers/postgres/scram.js';
import { NothingIssued } from '../../src/broker/issuers/issuer.js';
import type { GrantRecord } from '../../src/broker/records.js';
import { backoffMs, MAX_REVOCATION_ATTEMPTS } from '../../src/broker/revoker.js';
import { ExitCode } from '../../src/core/errors.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';
import { startPostgres, type Postgres } from '../support/postgres.js';
import { failure } from '../support/rejection.js';

let server: Postgres;
let dir: string;
let grants = 0;

beforeAll(async () => {
  server = await startPostgres({ passwords: true });
  dir = mkdtempSync(join(tmpdir(), 'jit-pg-issuer-'));
  await asSuperuser(async (client) => {
    // The issuer's admin as the README sets one up: not a superuser.
    await client.query(`CREATE ROLE jit_admin LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}' IN ROLE pg_signal_backend`);
    await client.query('CREATE ROLE orders_admin NOLOGIN');
    await client.query('GRANT orders_admin TO jit_admin WITH ADMIN OPTION');
    await client.query('CREATE TABLE orders (id int)');
    await client.query('INSERT INTO orders VALUES (1), (2)');
    await client.query('GRANT SELECT, INSERT ON orders TO orders_admin');
    await client.query('GRANT CREATE ON SCHEMA public TO orders_admin');
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ADMIN_PASSWORD = 'admin-secret-4711';
const adminUrl = () => server.url.replace(/\/\/jit:[^@]*@/, `//jit_admin:${ADMIN_PASSWORD}@`);

async function asSuperuser<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A client as the session would connect: with nothing but the injected variables. */
function sessionClient(env: Record<string, string>): pg.Client {
  const client = new pg.Client({ host: env.PGHOST, port: Number(env.PGPORT), user: env.PGUSER, password: env.PGPASSWORD, database: env.PGDATABASE, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  return client;
}

let grant: GrantRecord;
beforeEach(() => {
  const now = Date.now();
  grant = { id: `g_${String(++grants).padStart(26, '0')}`, role: 'db', ticket: 'OPS-1', requester: 'alice', issuedAtMs: now, expiresAtMs: now + 15 * 60_000, handle: null } as GrantRecord;
});

const env = { ADMIN_DSN: '' };
function issuer(settings: Partial<PostgresConfig> = {}): PostgresIssuer {
  env.ADMIN_DSN = adminUrl();
  return new PostgresIssuer({ type: 'postgres', connection: 'env:ADMIN_DSN', grant: ['orders_admin'], ownedObjects: 'drop', timeoutSeconds: 5, ...settings }, { env });
}

async function roleExists(role: string): Promise<boolean> {
  return asSuperuser(async (client) => (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1);
}

describe('postgres issuer', () => {
  it('issues a login role with the policy roles’ privileges, valid until the grant ends, and the variables to reach it', async () => {
    const issued = await issuer().issue(grant);
    const role = loginRoleName(grant.id);
    expect(issued.handle).toBe(role);
    expect(issued.env).toMatchObject({ PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: role, PGDATABASE: 'postgres' });
    expect(issued.env.PGPASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(issued.env.DATABASE_URL).toBe(`postgres://${role}:${issued.env.PGPASSWORD}@127.0.0.1:${server.port}/postgres`);
    const session = sessionClient(issued.env);
    await session.connect();
    expect((await session.query('SELECT current_user AS who, count(*)::int AS n FROM orders')).rows[0]).toEqual({ who: role, n: 2 });
    await session.end();
    const row = await asSuperuser(async (client) => (await client.query('SELECT rolvaliduntil, shobj_description(oid, \'pg_authid\') AS comment FROM pg_roles WHERE rolname = $1', [role])).rows[0]);
    expect(new Date(row.rolvaliduntil).getTime()).toBe(grant.expiresAtMs);
    expect(row.comment).toBe(`jit grant ${grant.id}: alice, role db, ticket OPS-1`);
    // The wrong password is refused: the server really checks it.
    await expect(sessionClient({ ...issued.env, PGPASSWORD: 'wrong' }).connect()).rejects.toThrow(/password authentication failed/);
  });

  it('never sends the password itself: CREATE ROLE carries a SCRAM verifier (that the server accepts: see the login above)', async () => {
    const salt = Buffer.alloc(16, 7);
    expect(scramVerifier('pencil', salt)).toBe(scramVerifier('pencil', salt));
    expect(scramVerifier('pencil', salt)).toMatch(/^SCRAM-SHA-256\$4096:BwcHBwcHBwcHBwcHBwcHBw==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(scramVerifier('pencil')).not.toBe(scramVerifier('pencil'));
    const issued = await issuer().issue(grant);
    const stored = await asSuperuser(async (client) => (await client.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [issued.handle])).rows[0].rolpassword as string);
    expect(stored).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(stored).not.toContain(issued.env.PGPASSWORD);
  });

  it('revoke ends an open session, drops the role, and verify confirms that nothing is left; revoking again succeeds', async () => {
    const postgres = issuer();
    const issued = await postgres.issue(grant);
    const session = sessionClient(issued.env);
    await session.connect();
    const held = session.query('SELECT pg_sleep(60)').then(() => 'finished', (error: Error) => error.message);
    expect(await postgres.verifyRevoked({ ...grant, handle: issued.handle })).toBe(false);
    await postgres.revoke({ ...grant, handle: issued.handle });
    expect(await held).toMatch(/terminat/);
    expect(await roleExists(issued.handle!)).toBe(false);
    expect(await postgres.verifyRevoked(grant)).toBe(true);
    await expect(sessionClient(issued.env).connect()).rejects.toThrow(/password authentication failed/);
    await postgres.revoke(grant);
  });

  it('revokes by the grant, not the handle: a role made by a broker that died before recording it is still dropped', async () => {
    const postgres = issuer();
    await postgres.issue(grant);
    await postgres.revoke({ ...grant, handle: null });
    expect(await roleExists(loginRoleName(grant.id))).toBe(false);
  });

  it('drops what the role made: a SECURITY DEFINER function planted in the session does not outlive it, nor run as the admin', async () => {
    const postgres = new PostgresIssuer({ type: 'postgres', connection: 'env:ADMIN_DSN', grant: ['orders_admin'], ownedObjects: 'drop', timeoutSeconds: 5 }, { env: { ADMIN_DSN: adminUrl() } });
    const issued = await postgres.issue(grant);
    const session = sessionClient(issued.env);
    await session.connect();
    await session.query('CREATE FUNCTION backdoor() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT current_user::text $$');
    await session.end();
    await postgres.revoke(grant);
    expect(await postgres.verifyRevoked(grant)).toBe(true);
    expect(await asSuperuser(async (client) => (await client.query("SELECT proowner::regrole::text AS owner FROM pg_proc WHERE proname = 'backdoor'")).rows)).toEqual([]);
  });

  it('reassigns only to the holder role the policy names, never to the admin', async () => {
    // A holder may own only what it could have made: CREATE on the schemas the grantee may write to.
    await asSuperuser((client) => client.query('CREATE ROLE jit_holder NOLOGIN; GRANT jit_holder TO jit_admin WITH ADMIN OPTION; GRANT CREATE ON SCHEMA public TO jit_holder'));
    const postgres = issuer({ ownedObjects: { reassignTo: 'jit_holder' } });
    const issued = await postgres.issue(grant);
    const session = sessionClient(issued.env);
    await session.connect();
    await session.query('CREATE FUNCTION kept() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT current_user::text $$');
    await session.end();
    await postgres.revoke(grant);
    expect(await asSuperuser(async (client) => (await client.query("SELECT proowner::regrole::text AS owner FROM pg_proc WHERE proname = 'kept'")).rows)).toEqual([{ owner: 'jit_holder' }]);
  });

  it('drops what the role made in other databases too, so the role itself can be dropped', async () => {
    await asSuperuser((client) => client.query('CREATE DATABASE orders'));
    await asSuperuser((client) => client.query('GRANT CREATE ON DATABASE orders TO orders_admin'));
    const postgres = issuer({ database: 'orders', ownedObjects: 'drop' });
    const issued = await postgres.issue(grant);
    const session = sessionClient(issued.env);
    await session.connect();
    await session.query('CREATE SCHEMA mine');
    await session.end();
    await postgres.revoke(grant);
    expect(await roleExists(issued.handle!)).toBe(false);
    expect(await postgres.verifyRevoked(grant)).toBe(true);
  });

  it('a role that cannot be dropped (its objects where the admin may not go) is left unable to log in and a member of nothing', async () => {
    await asSuperuser((client) => client.query('CREATE DATABASE locked'));
    await asSuperuser((client) => client.query('CREATE ROLE locked_writer NOLOGIN; REVOKE CONNECT ON DATABASE locked FROM PUBLIC; GRANT CONNECT, CREATE ON DATABASE locked TO locked_writer'));
    const postgres = issuer({ grant: ['orders_admin', 'locked_writer'] });
    const issued = await postgres.issue(grant);
    const session = new pg.Client({ ...{ host: issued.env.PGHOST, port: Number(issued.env.PGPORT), user: issued.env.PGUSER, password: issued.env.PGPASSWORD }, database: 'locked' });
    await session.connect();
    await session.query('CREATE SCHEMA left_behind');
    await session.end();
    await expect(postgres.revoke(grant)).rejects.toThrow(/PostgreSQL revoke failed: permission denied for database "locked"/);
    expect(await postgres.verifyRevoked(grant)).toBe(false);
    const row = await asSuperuser(async (client) => (await client.query('SELECT rolcanlogin, (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid)::int AS memberships FROM pg_roles r WHERE rolname = $1', [issued.handle])).rows[0]);
    expect(row).toEqual({ rolcanlogin: false, memberships: 0 });
  });

  it('an admin connection string that cannot be parsed is a configuration error (78) that sent nothing, and is not echoed', async () => {
    const broken = new PostgresIssuer({ type: 'postgres', connection: 'env:ADMIN_DSN', grant: ['orders_admin'], ownedObjects: 'drop', timeoutSeconds: 2 }, { env: { ADMIN_DSN: 'postgres://jit_admin:S3cr#t-pw@127.0.0.1:1/postgres' } });
    const error = await failure(broken.issue(grant));
    expect(error).toBeInstanceOf(NothingIssued);
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).not.toContain('S3cr');
  });

  it('a role left behind after its grant ended cannot log in: VALID UNTIL is the grant’s end', async () => {
    const issued = await issuer().issue({ ...grant, expiresAtMs: Date.now() + 1500 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await roleExists(issued.handle!)).toBe(true);
    await expect(sessionClient(issued.env).connect()).rejects.toThrow(/password authentication failed/);
  });

  it('renew moves the role’s end', async () => {
    const postgres = issuer();
    const issued = await postgres.issue(grant);
    const later = grant.expiresAtMs + 30 * 60_000;
    await postgres.renew({ ...grant, handle: issued.handle }, later);
    const until = await asSuperuser(async (client) => (await client.query('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [issued.handle])).rows[0].rolvaliduntil);
    expect(new Date(until).getTime()).toBe(later);
  });

  it('a server that is down fails with 69 and no admin password in the message', async () => {
    const password = ADMIN_PASSWORD;
    const down = new PostgresIssuer(
      { type: 'postgres', connection: 'env:ADMIN_DSN', grant: ['orders_admin'], ownedObjects: 'drop', timeoutSeconds: 2 },
      { env: { ADMIN_DSN: adminUrl().replace(`:${server.port}/`, ':1/') } },
    );
    const error = await failure(down.issue(grant));
    expect(error.exitCode).toBe(ExitCode.unavailable);
    // Never connected, so nothing was sent: the broker may end the grant as verified at once.
    expect(error).toBeInstanceOf(NothingIssued);
    expect(error.message).toMatch(/^PostgreSQL issue failed: /);
    expect(`${error.message} ${error.hint}`).not.toContain(password);
    const refused = new PostgresIssuer(
      { type: 'postgres', connection: 'env:ADMIN_DSN', grant: ['orders_admin'], ownedObjects: 'drop', timeoutSeconds: 2 },
      { env: { ADMIN_DSN: adminUrl().replace(password, `${password}x`) } },
    );
    const wrong = await failure(refused.issue(grant));
    expect(wrong.message).toMatch(/password authentication failed/);
    expect(wrong).toBeInstanceOf(NothingIssued);
    expect(wrong.message).not.toContain(password);
  });

  it('a role that does not exist in the server fails the issue and leaves no login role behind', async () => {
    const error = await failure(issuer({ grant: ['no_such_role'] }).issue(grant));
    expect(error.exitCode).toBe(ExitCode.unavailable);
    // Connected and sent: only the server can say that nothing was made, so the broker asks it.
    expect(error).not.toBeInstanceOf(NothingIssued);
    expect(await roleExists(loginRoleName(grant.id))).toBe(false);
  });

  it('reads the admin connection from a private file, and refuses one other users may read', async () => {
    const file = join(dir, 'admin.dsn');
    writeFileSync(file, `${adminUrl()}\n`, { mode: 0o600 });
    const issued = await issuer({ connection: `file:${file}` }).issue(grant);
    expect(issued.env.PGUSER).toBe(loginRoleName(grant.id));
    chmodSync(file, 0o644);
    const error = await failure(issuer({ connection: `file:${file}` }).issue({ ...grant, id: `${grant.id.slice(0, -1)}z` }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toContain('open to other users');
    const missing = await failure(new PostgresIssuer({ type: 'postgres', connection: 'env:NOT_SET_ANYWHERE', grant: ['orders_admin'], ownedObjects: 'drop', timeoutSeconds: 2 }, { env: {} }).issue(grant));
    expect(missing.message).toBe("NOT_SET_ANYWHERE is not set in the broker's environment");
    // Nothing could be sent without it: the grant ends with nothing to revoke, not as standing access.
    expect(missing).toBeInstanceOf(NothingIssued);
    expect(missing.exitCode).toBe(ExitCode.config);
  });
});

describe('postgres grants through the broker', () => {
  const policy = `roles:
  db:
    ttl: { default: 15m, max: 1h }
    requesters: ['*']
    issuer: { type: postgres, connection: env:JIT_TEST_PG_ISSUER_DSN, grant: [orders_admin], timeout: 2s }
`;
  let broker: TestBroker | undefined;
  afterEach(() => {
    broker?.remove();
    delete process.env.JIT_TEST_PG_ISSUER_DSN;
  });

  it('a revocation made while the server is down is retried, and verified once it is back', async () => {
    process.env.JIT_TEST_PG_ISSUER_DSN = adminUrl();
    broker = await testBroker(policy);
    const { grant, credential } = await broker.broker.request(operator, { role: 'db', ticket: 'OPS-1', owner: liveOwner() });
    server.halt();
    try {
      expect(await broker.broker.revoke(operator, grant.id, 'exit')).toMatchObject({ state: 'revoked', revocation: 'failed' });
      expect((await broker.broker.standing()).map((g) => g.id)).toEqual([grant.id]);
    } finally {
      server.resume();
    }
    broker.clock.now += backoffMs(3);
    expect(await broker.broker.sweep()).toMatchObject([{ id: grant.id, revocation: 'verified' }]);
    expect(await roleExists(credential.PGUSER!)).toBe(false);
    expect(await broker.broker.standing()).toEqual([]);
    const failed = (await broker.store.events({ grantId: grant.id })).filter((e) => e.type === 'revocation.failed');
    expect(failed).toHaveLength(3);
    expect(String(failed[0]!.data.error)).toMatch(/^PostgreSQL revoke failed: /);
  });

  it('a server down for good leaves the grant irrevocable and listed as standing', async () => {
    process.env.JIT_TEST_PG_ISSUER_DSN = adminUrl();
    broker = await testBroker(policy);
    const { grant } = await broker.broker.request(operator, { role: 'db', ticket: 'OPS-1', owner: liveOwner() });
    server.halt();
    try {
      await broker.broker.revoke(operator, grant.id, 'exit');
      let ended;
      for (let attempt = 4; attempt <= MAX_REVOCATION_ATTEMPTS; attempt++) {
        broker.clock.now += backoffMs(attempt - 1);
        ended = (await broker.broker.sweep())[0];
      }
      expect(ended).toMatchObject({ id: grant.id, revocation: 'irrevocable' });
      expect((await broker.broker.standing()).map((g) => g.id)).toEqual([grant.id]);
    } finally {
      server.resume();
    }
  });
});
