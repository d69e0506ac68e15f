// The whole team flow with the built binary on both sides: `jit serve` on loopback, a real OpenID
// provider, and a workstation whose config.yaml says backend: http. The operator logs in with the device
// flow (the test plays the person at the browser), runs a command through the broker, is refreshed
// silently, and loses access on exit and when the CLI is killed with -9 (the broker's dead man's switch).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import type { OidcProvider } from '../support/oidc.js';
import { deviceLogin, startTeamBroker, teamWorkstation, type BrokerFiles, type ServedBroker, type TeamBroker } from '../support/served.js';
import { until } from '../support/waits.js';

const POLICY = `roles:
  demo:
    ttl: { default: 5m, max: 1h }
    requesters: [group:sre]
    issuer: { type: jwt }
    heartbeat: { interval: 1s, timeout: 2s }
  dba:
    ttl: { default: 5m, max: 1h }
    requesters: [group:dba]
    issuer: { type: jwt }
`;

const sandboxes = useKeyringSandboxes();
let team: TeamBroker;
let provider: OidcProvider;
let files: BrokerFiles;
let broker: ServedBroker;

beforeAll(async () => {
  // Access tokens shorter than jit's refresh margin: every call refreshes first, so refresh is exercised throughout.
  team = await startTeamBroker(POLICY, { alice: ['sre'] });
  ({ provider, files, broker } = team);
});
afterAll(() => team?.stop());

/** A workstation whose jit talks to the served broker. */
const workstation = () => teamWorkstation(sandboxes.box(), broker.url);

const logIn = (box: ReturnType<typeof workstation>, user: string, browsing: { refuse?: boolean } = {}) => deviceLogin(box, provider, user, browsing);

function grantRows(): { id: string; state: string; revoke_reason: string | null; revocation: string | null }[] {
  const db = files.db();
  try {
    return db.prepare('SELECT id, state, revoke_reason, revocation FROM grants ORDER BY issued_at').all() as ReturnType<typeof grantRows>;
  } finally {
    db.close();
  }
}

describe('a team broker, end to end', () => {
  it('refuses every command before login, with the way in', async () => {
    const box = workstation();
    const result = await box.run(['roles']);
    expect(result.code).toBe(77);
    expect(result.stderr).toMatch(/^jit: you are not logged in to the broker at http:\/\/127\.0\.0\.1:\d+\n\s+→ run `jit login`/);
    // Refused at the provider: denied (77), and nothing kept.
    const refused = await logIn(box, 'alice', { refuse: true });
    expect(refused.code).toBe(77);
    expect(refused.stderr).toMatch(/jit: the login was refused in the browser\n\s+→ run `jit login` again/);
    expect((await box.run(['roles'])).code).toBe(77);
    expect(await box.run(['login', '--browser', '--device'])).toMatchObject({ code: 64, stderr: expect.stringMatching(/^jit: --browser and --device are two ways to log in: pass one\n\s+→ /) });
  });

  it('logs in with the device flow, keeps the tokens in the keychain only, and says who you are', async () => {
    const box = workstation();
    const login = await logIn(box, 'alice');
    expect(login.stderr).toMatch(/To log in to http:\/\/127\.0\.0\.1:\d+, open http:\/\/127\.0\.0\.1:\d+\/device and enter the code [A-Z]{4}-[A-Z]{4}/);
    expect(login).toMatchObject({ code: 0, stdout: `Logged in to ${broker.url} as alice (groups: sre)\n` });
    expect(await box.run(['whoami', '--json'])).toMatchObject({ code: 0, stdout: `${JSON.stringify({ broker: broker.url, name: 'alice', groups: ['sre'] })}\n` });
    // SECURITY: no token in any file of the workstation's state.
    const { execFileSync } = await import('node:child_process');
    const found = execFileSync('sh', ['-c', `grep -rl "eyJ" ${box.home} || true`], { encoding: 'utf8' });
    expect(found).toBe('');
    const doctor = JSON.parse((await box.run(['doctor', '--json'])).stdout) as { checks: { name: string; status: string; detail: string }[] };
    expect(doctor.checks.find((check) => check.name === 'backend')).toMatchObject({ status: 'ok', detail: 'http: 0 live grant(s) of yours' });
    expect(doctor.checks.find((check) => check.name === 'audit')).toMatchObject({ status: 'ok', detail: expect.stringContaining('proven from this workstation') });
    expect(doctor.checks.find((check) => check.name === 'standing')).toMatchObject({ status: 'ok' });
    const roles = await box.run(['roles', '--json']);
    expect(roles.code).toBe(0);
    expect((JSON.parse(roles.stdout) as { roles: { name: string; mayRequest: boolean }[] }).roles.map((role) => [role.name, role.mayRequest])).toEqual([['demo', true], ['dba', false]]);
  });

  it('runs a command through the broker, which issues, audits and revokes on exit; a role of another group is denied', async () => {
    const box = workstation();
    expect((await logIn(box, 'alice')).code).toBe(0);
    const before = grantRows().length;
    const result = await box.run(['exec', '--ticket', 'OPS-7', '--role', 'demo', '--', 'sh', '-c', 'echo "$JIT_BACKEND $JIT_ROLE ${JIT_TOKEN:+token}"']);
    expect(result).toMatchObject({ code: 0, stdout: 'http demo token\n' });
    const rows = grantRows();
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ state: 'revoked', revoke_reason: 'exit', revocation: 'verified' });
    const denied = await box.run(['exec', '--ticket', 'OPS-7', '--role', 'dba', '--', 'true']);
    expect(denied.code).toBe(77);
    expect(denied.stderr).toMatch(/^jit: the broker: request denied: alice is not among the requesters of dba/);
  });

  it('proves the broker\'s audit from the workstation, and keeps proving it grows from what it saw', async () => {
    const box = workstation();
    expect((await logIn(box, 'alice')).code).toBe(0);
    expect((await box.run(['exec', '--ticket', 'OPS-11', '--role', 'demo', '--', 'true'])).code).toBe(0);
    const first = await box.run(['audit', 'verify', '--json']);
    expect(first.code).toBe(0);
    const verdict = JSON.parse(first.stdout) as { ok: boolean; events: number; head: string };
    expect(verdict).toMatchObject({ ok: true });
    // What it proved is pinned in the private state dir: the key and the head.
    const { readdirSync, statSync, readFileSync } = await import('node:fs');
    const [witness] = readdirSync(box.stateDir).filter((name) => name.startsWith('audit-witness-'));
    expect(statSync(join(box.stateDir, witness!)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(box.stateDir, witness!), 'utf8'))).toMatchObject({ broker: broker.url, seq: verdict.events, hash: verdict.head });

    expect((await box.run(['exec', '--ticket', 'OPS-12', '--role', 'demo', '--', 'true'])).code).toBe(0);
    const again = await box.run(['audit', 'verify']);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: \d+ events chained/) });
    const trail = JSON.parse((await box.run(['audit', '--ticket', 'OPS-12', '--json'])).stdout) as { events: { type: string }[] };
    expect(trail.events.map((event) => event.type)).toEqual(expect.arrayContaining(['request.created', 'grant.issued', 'session.started', 'session.ended', 'grant.revoked', 'revocation.verified']));
    const standing = await box.run(['audit', 'standing', '--json']);
    expect(standing.code).toBe(0);
    expect(JSON.parse(standing.stdout)).toEqual({ standing: [] });
  });

  it('a CLI killed with -9 loses its grant within the heartbeat timeout + 1 s, without any other jit running', async () => {
    const box = workstation();
    expect((await logIn(box, 'alice')).code).toBe(0);
    const pidFile = join(box.home, 'child.pid');
    const cli = spawn(join(process.cwd(), 'bin/jit.js'), ['exec', '--ticket', 'OPS-8', '--role', 'demo', '--', 'sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`], { env: box.env, stdio: 'ignore' });
    const id = await until('the grant to be active', () => grantRows().find((row) => row.state === 'active')?.id, 15_000);
    await until('the command to start', async () => (await import('node:fs')).existsSync(pidFile));
    cli.kill('SIGKILL');
    const killedAt = Date.now();
    await until('the broker to revoke the dead CLI\'s grant', () => grantRows().find((row) => row.id === id)?.state === 'revoked', 6000);
    expect(Date.now() - killedAt).toBeLessThan(2000 + 1000 + 500); // timeout + 1 s, + one poll
    // Ended first, in one commit; its revocation at the target follows at once.
    await until('the revocation to be verified', () => grantRows().find((row) => row.id === id)?.revocation === 'verified', 3000);
    expect(grantRows().find((row) => row.id === id)).toMatchObject({ revoke_reason: 'orphaned' });
  });

  it('logs out: the login leaves the keychain, and the next command asks for a new one', async () => {
    const box = workstation();
    expect((await logIn(box, 'alice')).code).toBe(0);
    expect(await box.run(['logout'])).toMatchObject({ code: 0, stdout: `Logged out of ${broker.url}\n`, stderr: '' });
    expect((await box.run(['whoami'])).code).toBe(77);
  });

  it('a broker that is down is exit 69 with its address', async () => {
    const box = workstation();
    writeFileSync(join(box.configDir, 'config.yaml'), 'backend: http\nbroker: http://127.0.0.1:9\n', { mode: 0o600 });
    const result = await box.run(['login']);
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/^jit: the broker at http:\/\/127\.0\.0\.1:9 cannot be reached \(ECONNREFUSED\)\n\s+→ /);
  });
});
