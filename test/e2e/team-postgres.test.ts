// Database credentials from a team broker: `jit serve` holds the admin connection, the workstation
// never sees it, yet psql works inside the session and the login role is gone after it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { startPostgres, type Postgres } from '../support/postgres.js';
import { deviceLogin, startTeamBroker, teamWorkstation, type TeamBroker } from '../support/served.js';

const POLICY = `roles:
  orders-db:
    ttl: { default: 10m, max: 1h }
    requesters: [group:sre]
    issuer: { type: postgres, connection: env:ORDERS_ADMIN_DSN, grant: [orders_admin] }
`;

const sandboxes = useKeyringSandboxes();
let server: Postgres;
let team: TeamBroker;

beforeAll(async () => {
  server = await startPostgres({ passwords: true });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE ROLE orders_admin NOLOGIN; CREATE TABLE orders (id int); INSERT INTO orders VALUES (1); GRANT SELECT ON orders TO orders_admin');
  await admin.end();
  team = await startTeamBroker(POLICY, { alice: ['sre'] }, { ORDERS_ADMIN_DSN: server.url });
}, 60_000);
afterAll(async () => {
  await team?.stop();
  await server?.stop();
});

describe('postgres credentials from a team broker', () => {
  it('the session gets its own login; the admin connection stays on the broker; the role is dropped on exit', async () => {
    const box = teamWorkstation(sandboxes.box(), team.broker.url);
    expect((await deviceLogin(box, team.provider, 'alice')).code).toBe(0);
    const seen = join(box.home, 'seen');
    const result = await box.run([
      'exec', '-t', 'OPS-9', '-r', 'orders-db', '--',
      'sh', '-c', `psql -Atc "select count(*) from orders" && echo "admin dsn: \${ORDERS_ADMIN_DSN:-absent}" && echo "$DATABASE_URL" > ${seen}`,
    ]);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: '1\nadmin dsn: absent\n' });
    const url = readFileSync(seen, 'utf8').trim();
    const login = new pg.Client({ connectionString: url });
    login.on('error', () => {});
    await expect(login.connect()).rejects.toThrow(/password authentication failed/);
    const db = team.files.db();
    try {
      expect(db.prepare('SELECT state, revoke_reason, revocation, issuer_config FROM grants').all()).toEqual([
        // What the broker keeps of the issuer is the reference, never the connection string behind it.
        { state: 'revoked', revoke_reason: 'exit', revocation: 'verified', issuer_config: expect.not.stringContaining(new URL(server.url).password) },
      ]);
    } finally {
      db.close();
    }
  });
});
