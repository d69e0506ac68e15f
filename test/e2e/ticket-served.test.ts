// A closed ticket ends a session on jit serve without anyone acting: pushed by a signed GitHub webhook
// (within 2 s), or seen at ServiceNow's poll (within the poll interval + 1 s). The built binary on both
// sides, a real OpenID provider, loopback doubles of GitHub and ServiceNow.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../support/jit.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { deviceLogin, startTeamBroker, teamWorkstation, type TeamBroker } from '../support/served.js';
import { startGithub, type GithubDouble } from '../support/github.js';
import { startServicenow, type ServicenowDouble } from '../support/servicenow.js';
import { githubIssueEvent } from '../support/webhook-deliveries.js';
import { until } from '../support/waits.js';

const WEBHOOK_SECRET = 'gh-webhook-secret-e2e-41c7-5b0e9d2c7a41f368';
const sandboxes = useKeyringSandboxes();
let github: GithubDouble;
let servicenow: ServicenowDouble;
let team: TeamBroker;

beforeAll(async () => {
  [github, servicenow] = await Promise.all([startGithub(), startServicenow()]);
  const policy = `roles:
  deploy:
    ttl: { default: 10m, max: 1h }
    requesters: [group:sre]
    ticket: { system: github, api: '${github.api}', credentials: env:GITHUB_TOKEN, repositories: [acme/orders], webhookSecret: env:GITHUB_WEBHOOK_SECRET, recheck: 1h }
    issuer: { type: jwt }
    heartbeat: { interval: 1s, timeout: 10s }
  change:
    ttl: { default: 10m, max: 1h }
    requesters: [group:sre]
    ticket: { system: servicenow, instance: '${servicenow.instance}', credentials: env:SERVICENOW_CREDENTIALS, tables: [change_request], recheck: 1s }
    issuer: { type: jwt }
    heartbeat: { interval: 1s, timeout: 10s }
`;
  team = await startTeamBroker(policy, { alice: ['sre'] }, { GITHUB_TOKEN: github.token, GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET, SERVICENOW_CREDENTIALS: servicenow.credentials });
});
afterAll(async () => {
  await team?.stop();
  await Promise.all([github?.close(), servicenow?.close()]);
});

async function loggedIn() {
  const box = teamWorkstation(sandboxes.box(), team.broker.url);
  expect((await deviceLogin(box, team.provider, 'alice')).code).toBe(0);
  return box;
}

/** A session of `role` for `ticket` that would run 30 s, started; resolves with how it ended. */
async function session(box: Awaited<ReturnType<typeof loggedIn>>, role: string, ticket: string) {
  const started = join(box.home, `started-${role}`);
  const ended = collect(box.spawn(['exec', '-t', ticket, '-r', role, '--', 'sh', '-c', `touch ${started}; exec sleep 30`]), 40_000);
  let finished: string | undefined;
  void ended.then((result) => (finished = `exit ${result.code}: ${result.stderr}`));
  await until('the session to start', () => {
    if (finished) throw new Error(`the session ended before it started: ${finished}`);
    return existsSync(started);
  }, 20_000);
  // Wrapped: a promise returned from an async function would be waited for.
  return { ended };
}

describe('a closed ticket on jit serve', () => {
  it('pushed by a signed GitHub webhook ends the session within 2 s: exit 75, the ticket named', async () => {
    const box = await loggedIn();
    github.issues.set('acme/orders#77', { state: 'open' });
    const { ended } = await session(box, 'deploy', 'acme/orders#77');
    github.issues.set('acme/orders#77', { state: 'closed' });
    const delivery = githubIssueEvent(WEBHOOK_SECRET, 'acme/orders#77', 'closed');
    const closedAt = Date.now();
    const answer = await fetch(`${team.broker.url}/webhooks/github`, { method: 'POST', headers: delivery.headers, body: delivery.body });
    expect(await answer.json()).toEqual({ status: 'rechecked', grants: 1 });
    const result = await ended;
    expect(Date.now() - closedAt).toBeLessThan(2000);
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('ticket acme/orders#77 no longer allows deploy: ticket acme/orders#77 is closed (done); this role needs it open (https://github.example/acme/orders/issues/77); the grant was revoked');
    expect(github.unexpected).toEqual([]);
  });

  it('closed in ServiceNow (polled) ends the session within the poll interval + 1 s', async () => {
    const box = await loggedIn();
    servicenow.records.set('CHG0040001', { state: '-1' });
    const { ended } = await session(box, 'change', 'CHG0040001');
    servicenow.records.set('CHG0040001', { state: '3' });
    const closedAt = Date.now();
    const result = await ended;
    // Heartbeats every second, each bringing a look at a ticket last looked at a second or more ago.
    expect(Date.now() - closedAt).toBeLessThan(3000);
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('ticket CHG0040001 no longer allows change');
    expect(servicenow.unexpected).toEqual([]);
  });
});
