// Every ticket system end to end with the built `jit` and the embedded broker: a ticket its system says
// is open runs the command; one it says is closed is refused with exit 65 and its state, nothing issued;
// and a session whose ticket closes ends (exit 75) within the re-check interval + 1 s.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGithub, type GithubDouble } from '../support/github.js';
import { startGitlab, type GitlabDouble } from '../support/gitlab.js';
import { collect } from '../support/jit.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { startPagerduty, type PagerdutyDouble } from '../support/pagerduty.js';
import { startServicenow, type ServicenowDouble } from '../support/servicenow.js';
import { until } from '../support/waits.js';

const { box } = useKeyringSandboxes();
let github: GithubDouble;
let gitlab: GitlabDouble;
let servicenow: ServicenowDouble;
let pagerduty: PagerdutyDouble;

beforeAll(async () => {
  [github, gitlab, servicenow, pagerduty] = await Promise.all([startGithub(), startGitlab(), startServicenow(), startPagerduty()]);
});
afterAll(async () => {
  await Promise.all([github?.close(), gitlab?.close(), servicenow?.close(), pagerduty?.close()]);
});

interface System {
  name: string;
  ticket: string;
  settings: () => string;
  credentials: () => string;
  open: () => void;
  close: () => void;
  closedState: RegExp;
}

const systems: System[] = [
  {
    name: 'github',
    ticket: 'acme/orders#31',
    settings: () => `api: '${github.api}', repositories: [acme/orders]`,
    credentials: () => github.token,
    open: () => github.issues.set('acme/orders#31', { state: 'open' }),
    close: () => github.issues.set('acme/orders#31', { state: 'closed' }),
    closedState: /ticket acme\/orders#31 is closed \(done\)/,
  },
  {
    name: 'gitlab',
    ticket: 'acme/orders#32',
    settings: () => `site: '${gitlab.site}', projects: [acme/orders]`,
    credentials: () => gitlab.token,
    open: () => gitlab.issues.set('acme/orders#32', { state: 'opened' }),
    close: () => gitlab.issues.set('acme/orders#32', { state: 'closed' }),
    closedState: /ticket acme\/orders#32 is closed \(done\)/,
  },
  {
    name: 'servicenow',
    ticket: 'CHG0050001',
    settings: () => `instance: '${servicenow.instance}', tables: [change_request]`,
    credentials: () => servicenow.credentials,
    open: () => servicenow.records.set('CHG0050001', { state: '-1' }),
    close: () => servicenow.records.set('CHG0050001', { state: '3' }),
    closedState: /ticket CHG0050001 is Closed \(done\)/,
  },
  {
    name: 'pagerduty',
    ticket: 'PE2EINC1',
    settings: () => `api: '${pagerduty.api}'`,
    credentials: () => pagerduty.key,
    open: () => pagerduty.incidents.set('PE2EINC1', { status: 'acknowledged' }),
    close: () => pagerduty.incidents.set('PE2EINC1', { status: 'resolved' }),
    closedState: /ticket PE2EINC1 is resolved \(done\)/,
  },
];

function systemBox(system: System) {
  const jit = box({ TICKET_CREDENTIALS: system.credentials() });
  mkdirSync(jit.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(jit.configDir, 'policy.yaml'),
    `roles:
  task:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    ticket: { system: ${system.name}, ${system.settings()}, credentials: env:TICKET_CREDENTIALS, recheck: 1s }
    issuer: { type: jwt }
    heartbeat: { interval: 1s, timeout: 10s }
`,
    { mode: 0o600 },
  );
  return jit;
}

describe.each(systems)('tickets in $name, end to end', (system) => {
  it('runs for a ticket its system says allows it, refuses a closed one (65, nothing issued), and ends a session whose ticket closes (75)', async () => {
    const jit = systemBox(system);
    system.close();
    const refused = await jit.run(['exec', '-t', system.ticket, '-r', 'task', '--', 'sh', '-c', 'echo ran']);
    expect(refused).toMatchObject({ code: 65, stdout: '' });
    expect(refused.stderr).toMatch(system.closedState);
    expect(jit.grantStates()).toEqual([]);

    system.open();
    const started = join(jit.home, 'started');
    const ended = collect(jit.spawn(['exec', '-t', system.ticket, '-r', 'task', '--', 'sh', '-c', `echo "\${TICKET_CREDENTIALS:-withheld}" > ${started}; exec sleep 30`]), 30_000);
    await until('the session to start', () => existsSync(started));
    system.close();
    const closedAt = Date.now();
    const result = await ended;
    expect(Date.now() - closedAt).toBeLessThan(3000);
    expect(result.code).toBe(75);
    expect(result.stderr).toContain(`ticket ${system.ticket} no longer allows task`);
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'ticket_closed', revocation: 'verified' }]);
  });
});
