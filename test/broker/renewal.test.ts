// Renewal in the engine: a fresh decision on the ticket as it is now (a ticket moved on refuses it, 65),
// only the holder's own live grant, and of two renewals at once
// exactly one moves the end, at the target and on the grant alike.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';
import { startJira, type JiraDouble } from '../support/jira.js';
import { failure } from '../support/rejection.js';

let jira: JiraDouble;
let env: TestBroker | undefined;

beforeAll(async () => {
  jira = await startJira();
  process.env.JIT_TEST_JIRA_CREDENTIALS = jira.credentials;
});
afterAll(async () => {
  delete process.env.JIT_TEST_JIRA_CREDENTIALS;
  await jira.close();
});
beforeEach(() => {
  jira.issues.clear();
  jira.requests.length = 0;
});
afterEach(() => env?.remove());

const inProgress = { status: { name: 'In Progress', category: 'indeterminate' as const }, assignee: { accountId: '5b10a2844c20165700ede21g', emailAddress: 'alice', displayName: 'Alice' } };

/** A broker whose role renews through a command issuer that logs each new end (and takes a moment, as a target does). */
async function renewableBroker(): Promise<{ renewals: () => number[] }> {
  env = await testBroker((script) => `roles:
  prod-db:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    ticket: { system: jira, site: '${jira.site}', credentials: env:JIT_TEST_JIRA_CREDENTIALS, projects: [OPS], allowed: [in_progress] }
    issuer: { type: command, issue: ${script('issue', `cat >/dev/null; echo '{"env":{"TOKEN_X":"x"}}'`)}, revoke: ${script('revoke', 'cat >/dev/null')}, renew: ${script('renew', `sleep 0.2; cat >>"$(dirname "$0")/renewals"; echo >>"$(dirname "$0")/renewals"`)} }
`);
  const dir = env.dir;
  return {
    renewals: () => {
      try {
        return readFileSync(join(dir, 'renewals'), 'utf8').trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { grant: { expiresAt: number } }).grant.expiresAt);
      } catch {
        return [];
      }
    },
  };
}

async function liveGrant() {
  jira.issues.set('OPS-1', inProgress);
  return (await env!.broker.request(operator, { role: 'prod-db', ticket: 'OPS-1', owner: liveOwner() })).grant;
}

describe('renewal', () => {
  it('looks at the ticket again: one done or gone since issue refuses it (65); the end stays, at the target too', async () => {
    const { renewals } = await renewableBroker();
    const grant = await liveGrant();
    jira.issues.set('OPS-1', { ...inProgress, status: { name: 'Done', category: 'done' } });
    const refused = await failure(env!.broker.extend(operator, grant.id, { bySeconds: 600 }));
    expect(refused.exitCode).toBe(ExitCode.ticketRejected);
    expect(refused.message).toMatch(/cannot be extended: ticket OPS-1 is Done/);
    jira.issues.delete('OPS-1');
    expect((await failure(env!.broker.extend(operator, grant.id, { bySeconds: 600 }))).message).toMatch(/ticket OPS-1 was not found/);
    expect(Math.floor((await env!.store.getGrant(grant.id))!.expiresAtMs / 1000)).toBe(grant.expiresAt);
    expect(renewals()).toEqual([]);
    expect((await env!.store.events({ grantId: grant.id })).map((event) => event.type)).not.toContain('grant.extended');
  });

  it('only the holder: another person is told there is no such grant of theirs (64)', async () => {
    await renewableBroker();
    const grant = await liveGrant();
    const error = await failure(env!.broker.extend({ ...operator, name: 'mallory' }, grant.id, { bySeconds: 60 }));
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toContain(`there is no grant "${grant.id}" of yours`);
  });

  it('of two renewals at once, exactly one moves the end; the target ends up where the grant does', async () => {
    const { renewals } = await renewableBroker();
    const grant = await liveGrant();
    const outcomes = await Promise.allSettled([env!.broker.extend(operator, grant.id, { bySeconds: 600 }), env!.broker.extend(operator, grant.id, { bySeconds: 1200 })]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const lost = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(String(lost.reason)).toContain('changed while it was being extended');
    const end = Math.floor((await env!.store.getGrant(grant.id))!.expiresAtMs / 1000);
    expect([grant.expiresAt + 600, grant.expiresAt + 1200]).toContain(end);
    expect(renewals().at(-1)).toBe(end);
    expect((await env!.store.events({ grantId: grant.id })).filter((event) => event.type === 'grant.extended')).toHaveLength(1);
  });
});
