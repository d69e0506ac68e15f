// A closed ticket revokes without anyone acting: the built `jit` with the embedded broker, a role whose
// tickets are Jira issues (a loopback double), and a session that outlives its ticket.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../support/jit.js';
import { startJira, type JiraDouble } from '../support/jira.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/waits.js';

const { box } = useKeyringSandboxes();
let jira: JiraDouble;

beforeAll(async () => {
  jira = await startJira();
});
afterAll(async () => jira?.close());

function jiraBox(site = jira.site, extra = '') {
  const jit = box({ JIRA_CREDENTIALS: jira.credentials });
  mkdirSync(jit.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(jit.configDir, 'policy.yaml'),
    `roles:
  prod-db:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    ticket: { system: jira, site: '${site}', credentials: env:JIRA_CREDENTIALS, projects: [OPS], allowed: [in_progress], recheck: 1s${extra} }
    issuer: { type: jwt }
    heartbeat: { interval: 1s, timeout: 10s }
`,
    { mode: 0o600 },
  );
  return jit;
}

describe('a ticket in Jira', () => {
  it('closed mid-session ends the session within the re-check interval + 1 s: exit 75, the ticket named', async () => {
    const jit = jiraBox();
    jira.issues.set('OPS-41', { status: { name: 'In Progress', category: 'indeterminate' } });
    const started = join(jit.home, 'started');
    const session = jit.spawn(['exec', '-t', 'OPS-41', '-r', 'prod-db', '--', 'sh', '-c', `touch ${started}; exec sleep 30`]);
    const ended = collect(session, 30_000);
    await until('the session to start', () => existsSync(started));
    jira.issues.set('OPS-41', { status: { name: 'Done', category: 'done' } });
    const closedAt = Date.now();
    const result = await ended;
    // Heartbeats every second, each re-checking a ticket last looked at a second or more ago.
    expect(Date.now() - closedAt).toBeLessThan(3000);
    expect(result.code).toBe(75);
    expect(result.stderr).toMatch(/jit: ticket OPS-41 no longer allows prod-db: ticket OPS-41 is Done \(done\); this role needs it in progress \(http:\/\/127\.0\.0\.1:\d+\/browse\/OPS-41\); the grant was revoked and the session was ended\n/);
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'ticket_closed', revocation: 'verified' }]);
  });

  it('the session does not inherit the Jira credentials jit read from its environment', async () => {
    const jit = jiraBox();
    jira.issues.set('OPS-43', { status: { name: 'In Progress', category: 'indeterminate' } });
    const result = await jit.run(['exec', '-t', 'OPS-43', '-r', 'prod-db', '--', 'sh', '-c', 'echo "${JIRA_CREDENTIALS:-withheld}"']);
    expect(result).toMatchObject({ code: 0, stdout: 'withheld\n' });
  });

  it('a ticket that is done is refused before anything is issued: exit 65 with its state and address', async () => {
    const jit = jiraBox();
    jira.issues.set('OPS-42', { status: { name: 'Done', category: 'done' } });
    const result = await jit.run(['exec', '-t', 'OPS-42', '-r', 'prod-db', '--', 'sh', '-c', 'echo ran']);
    expect(result).toMatchObject({ code: 65, stdout: '' });
    expect(result.stderr).toMatch(/^jit: request denied: ticket OPS-42 is Done \(done\); this role needs it in progress \(http:\/\/127\.0\.0\.1:\d+\/browse\/OPS-42\)\n/);
    expect(result.stderr).not.toContain(jira.credentials);
    expect(jit.grantStates()).toEqual([]);
  });

  it('with whenDown: allow, a Jira that does not answer still runs the command: warned, unverified, for degradedTtl', async () => {
    const jit = jiraBox(`http://127.0.0.1:${await freePort()}`, ', whenDown: allow, degradedTtl: 2m');
    const result = await jit.run(['exec', '-t', 'OPS-44', '-r', 'prod-db', '--', 'sh', '-c', 'echo "$JIT_EXPIRES_AT"']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^jit: WARNING: jira could not be asked about OPS-44 \(Jira at http:\/\/127\.0\.0\.1:\d+ did not answer \(ECONNREFUSED\)\); prod-db allows that: granted unverified for 2m, and looked at again as soon as it answers\n/m);
    const expiresIn = Number(result.stdout.trim()) * 1000 - Date.now();
    expect(expiresIn).toBeGreaterThan(100_000);
    expect(expiresIn).toBeLessThanOrEqual(120_000);
  });
});
