// Real database credentials end to end: the built `jit` with the embedded broker and the postgres
// issuer, a real PostgreSQL that checks passwords, psql inside the session, a real Secret Service.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../support/jit.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { startPostgres, type Postgres } from '../support/postgres.js';
import { until } from '../support/waits.js';

const { box, keyring } = useKeyringSandboxes();
let server: Postgres;

beforeAll(async () => {
  server = await startPostgres({ passwords: true });
  await asAdmin(async (client) => {
    await client.query('CREATE ROLE orders_admin NOLOGIN');
    await client.query('CREATE TABLE orders (id int)');
    await client.query('INSERT INTO orders VALUES (1), (2), (3)');
    await client.query('GRANT SELECT ON orders TO orders_admin');
  });
}, 60_000);
afterAll(async () => server?.stop());

async function asAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const POLICY = `roles:
  orders-db:
    description: Read the orders table
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    issuer: { type: postgres, connection: env:ORDERS_ADMIN_DSN, grant: [orders_admin] }
`;

/** A sandbox whose policy has the postgres role; the admin connection is in jit's environment only. */
function databaseBox() {
  const jit = box({ ORDERS_ADMIN_DSN: server.url });
  mkdirSync(jit.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(jit.configDir, 'policy.yaml'), POLICY, { mode: 0o600 });
  return jit;
}

async function jitRoles(): Promise<{ role: string; sessions: number }[]> {
  return asAdmin(async (client) =>
    (await client.query("SELECT rolname AS role, (SELECT count(*) FROM pg_stat_activity a WHERE a.usename = r.rolname)::int AS sessions FROM pg_roles r WHERE rolname LIKE 'jit\\_%'")).rows,
  );
}

describe('postgres credentials in a session', () => {
  it('psql works inside the session; afterwards the role is gone and its password opens nothing', async () => {
    const jit = databaseBox();
    const seen = join(jit.home, 'seen');
    const result = await jit.run([
      'exec', '-t', 'OPS-1', '-r', 'orders-db', '--',
      'sh', '-c', `psql -Atc "select current_user = '$PGUSER', count(*) from orders" && echo "admin dsn: \${ORDERS_ADMIN_DSN:-withheld}" && printf '%s\\n' "$PGUSER" "$PGPASSWORD" "$DATABASE_URL" > ${seen}`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // SECURITY: the session gets its own login, never the admin connection jit issued it with.
    expect(result.stdout).toBe('t|3\nadmin dsn: withheld\n');
    const [user, password, url] = readFileSync(seen, 'utf8').trim().split('\n');
    expect(user).toMatch(/^jit_g_[0-9a-z]{26}$/);
    expect(url).toBe(`postgres://${user}:${password}@127.0.0.1:${server.port}/postgres`);
    expect(await jitRoles()).toEqual([]);
    const login = new pg.Client({ connectionString: url });
    login.on('error', () => {});
    await expect(login.connect()).rejects.toThrow(/password authentication failed/);
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'exit', revocation: 'verified' }]);
    expect(await keyring().jitAccounts()).toEqual([]);
    expect((await jit.run(['audit', 'verify'])).code).toBe(0);
  });

  it('`jit revoke` from elsewhere ends the session and its open connection; the role is dropped', async () => {
    const jit = databaseBox();
    const session = jit.spawn(['exec', '-t', 'OPS-2', '-r', 'orders-db', '--', 'psql', '-Atc', 'select pg_sleep(60)']);
    const ended = collect(session, 30_000);
    await until('the session holds a connection', async () => (await jitRoles()).find((role) => role.sessions === 1));
    const revoke = await jit.run(['revoke', '--all']);
    expect(revoke.code).toBe(0);
    const result = await ended;
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('was revoked; the session was ended');
    expect(await jitRoles()).toEqual([]);
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'operator', revocation: 'verified' }]);
  });

  it('`jit extend` moves the login role\'s VALID UNTIL to the grant\'s new end', async () => {
    const jit = databaseBox();
    const idFile = join(jit.home, 'grant-id');
    const session = jit.spawn(['exec', '-t', 'OPS-3', '-r', 'orders-db', '--ttl', '5m', '--', 'sh', '-c', `echo "$JIT_SESSION" >${idFile}; sleep 30`]);
    const ended = collect(session, 40_000);
    const grantId = await until('the session is running', () => (existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() || undefined : undefined));
    const validUntil = async () =>
      asAdmin(async (client) => Math.floor(((await client.query('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [`jit_${grantId}`])).rows[0] as { rolvaliduntil: Date }).rolvaliduntil.getTime() / 1000));
    const before = await validUntil();
    // From another terminal, where the admin connection is: an embedded session's own environment never holds it.
    const extended = await jit.run(['extend', grantId, '--by', '20m', '--json']);
    expect(extended.code, extended.stderr).toBe(0);
    const { grant } = JSON.parse(extended.stdout) as { grant: { expiresAt: number } };
    expect(grant.expiresAt - before).toBe(20 * 60);
    expect(await validUntil()).toBe(grant.expiresAt);
    expect((await jit.run(['revoke', grantId])).code).toBe(0);
    expect((await ended).code).toBe(75);
    expect(await jitRoles()).toEqual([]);
  });

  it('reads the admin connection from the keychain (jit secret set), out of every environment; without it, 78 and nothing runs', async () => {
    const jit = box();
    mkdirSync(jit.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(jit.configDir, 'policy.yaml'), POLICY.replace('env:ORDERS_ADMIN_DSN', 'keychain:orders-admin'), { mode: 0o600 });
    const stored = jit.spawn(['secret', 'set', 'orders-admin'], { stdin: 'pipe' });
    const storing = collect(stored);
    stored.stdin!.end(`${server.url}\n`);
    expect(await storing).toMatchObject({ code: 0, stdout: 'Stored the secret orders-admin in the keychain; name it in the policy as keychain:orders-admin\n' });
    const result = await jit.run(['exec', '-t', 'OPS-4', '-r', 'orders-db', '--', 'sh', '-c', 'psql -Atc "select count(*) from orders"; cat /proc/$PPID/environ | tr "\\0" "\\n" | grep -c postgres://; true']);
    expect(result.stderr).toBe('');
    // psql worked, and no environment up the tree holds the admin connection.
    expect(result).toMatchObject({ code: 0, stdout: '3\n0\n' });
    expect(await jitRoles()).toEqual([]);
    expect((await jit.run(['secret', 'remove', 'orders-admin'])).stdout).toBe('Removed the secret orders-admin from the keychain\n');
    const missing = await jit.run(['exec', '-t', 'OPS-5', '-r', 'orders-db', '--', 'sh', '-c', 'echo ran']);
    expect(missing).toMatchObject({ code: 78, stdout: '' });
    expect(missing.stderr).toMatch(/^jit: there is no secret orders-admin in the keychain\n\s*→ store it with: jit secret set orders-admin/);
  });

  it('with the database down, nothing is issued and nothing runs (69), and no admin secret is printed', async () => {
    const jit = box({ ORDERS_ADMIN_DSN: server.url.replace(`:${server.port}/`, ':1/') });
    mkdirSync(jit.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(jit.configDir, 'policy.yaml'), POLICY, { mode: 0o600 });
    const result = await jit.run(['exec', '-t', 'OPS-3', '-r', 'orders-db', '--', 'sh', '-c', 'echo ran']);
    expect(result.code).toBe(69);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^jit: PostgreSQL issue failed: .*\n\s*→ /);
    expect(result.stderr).not.toContain(new URL(server.url).password);
    // The server was never reached, so there is nothing to revoke: the grant is settled, not standing.
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'issue_failed', revocation: 'verified' }]);
    const { events } = JSON.parse((await jit.run(['audit', '--json'])).stdout) as { events: { type: string; data: Record<string, unknown> }[] };
    expect(events.map((e) => e.type).slice(-2)).toEqual(['grant.revoked', 'revocation.verified']);
    expect(events.at(-1)!.data).toMatchObject({ attempts: 0, nothingIssued: expect.stringMatching(/^PostgreSQL issue failed: connect ECONNREFUSED/) });
    expect((await jit.run(['audit', 'verify'])).code).toBe(0);
  });
});
