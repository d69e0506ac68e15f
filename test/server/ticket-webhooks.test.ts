// Webhooks on jit serve: a delivery signed as each vendor signs it brings the ticket's look forward and a
// grant whose ticket left the allowed states ends at once, as the system itself (not the delivery) says.
// Unsigned, mis-signed, replayed, oversized or malformed deliveries change nothing and ask nobody.
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildBrokerApp } from '../../src/server/app.js';
import { OperatorTokenVerifier } from '../../src/server/operator-token.js';
import { callers } from '../../src/server/caller-verifier.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';
import { freePort } from '../support/free-port.js';
import { startGithub, type GithubDouble } from '../support/github.js';
import { startGitlab, type GitlabDouble } from '../support/gitlab.js';
import { startJira, type JiraDouble } from '../support/jira.js';
import { startPagerduty, type PagerdutyDouble } from '../support/pagerduty.js';
import { githubIssueEvent, gitlabIssueEvent, jiraIssueEvent, pagerdutyIncidentEvent, type Delivery } from '../support/webhook-deliveries.js';

const SECRETS = { github: 'gh-webhook-secret-6f1d-5b0e9d2c7a41f368', gitlab: 'gl-webhook-token-93aa-5b0e9d2c7a41f368', jira: 'jira-webhook-secret-77c0-5b0e9d2c7a41f368', pagerduty: 'pd-webhook-secret-0b52-5b0e9d2c7a41f368' };

let github: GithubDouble;
let gitlab: GitlabDouble;
let jira: JiraDouble;
let pagerduty: PagerdutyDouble;
let env: TestBroker;
let app: FastifyInstance;
let base: string;

const ticketLine = (system: string, settings: string) => `ticket: { system: ${system}, ${settings}, webhookSecret: env:JIT_TEST_${system.toUpperCase()}_WEBHOOK, recheck: 1h }`;
const role = (name: string, ticket: string) => `  ${name}:\n    ttl: { default: 10m, max: 1h }\n    requesters: ['*']\n    ${ticket}\n    issuer: { type: jwt }\n`;

beforeAll(async () => {
  [github, gitlab, jira, pagerduty] = await Promise.all([startGithub(), startGitlab(), startJira(), startPagerduty()]);
  Object.assign(process.env, {
    JIT_TEST_GITHUB_TOKEN: github.token,
    JIT_TEST_GITLAB_TOKEN: gitlab.token,
    JIT_TEST_JIRA_CREDENTIALS: jira.credentials,
    JIT_TEST_PAGERDUTY_KEY: pagerduty.key,
    JIT_TEST_GITHUB_WEBHOOK: SECRETS.github,
    JIT_TEST_GITLAB_WEBHOOK: SECRETS.gitlab,
    JIT_TEST_JIRA_WEBHOOK: SECRETS.jira,
    JIT_TEST_PAGERDUTY_WEBHOOK: SECRETS.pagerduty,
  });
  env = await testBroker(
    'roles:\n' +
      role('deploy', ticketLine('github', `api: '${github.api}', credentials: env:JIT_TEST_GITHUB_TOKEN, repositories: [acme/orders]`)) +
      role('release', ticketLine('gitlab', `site: '${gitlab.site}', credentials: env:JIT_TEST_GITLAB_TOKEN, projects: [acme/orders]`)) +
      role('prod-db', ticketLine('jira', `site: '${jira.site}', credentials: env:JIT_TEST_JIRA_CREDENTIALS, projects: [OPS, DBA], allowed: [in_progress]`)) +
      role('on-call', ticketLine('pagerduty', `api: '${pagerduty.api}', credentials: env:JIT_TEST_PAGERDUTY_KEY`)) +
      role('no-hooks', `ticket: { system: servicenow, instance: 'http://127.0.0.1:${await freePort()}', credentials: env:UNSET, tables: [incident] }`),
  );
  // No /v1 route is called here: the verifier is never asked.
  const verifier = callers(new OperatorTokenVerifier({ issuer: `http://127.0.0.1:${await freePort()}`, audience: 'jit', algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
  app = buildBrokerApp({ broker: env.broker, verifier });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
  env.remove();
  await Promise.all([github.close(), gitlab.close(), jira.close(), pagerduty.close()]);
});
const doubles = () => [github, gitlab, jira, pagerduty];
beforeEach(() => {
  for (const double of doubles()) double.requests.length = 0;
});
afterEach(() => {
  for (const double of doubles()) expect(double.unexpected).toEqual([]);
});

async function deliver(system: string, delivery: Delivery) {
  const response = await fetch(`${base}/webhooks/${system}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const request = (roleName: string, ticket: string) => env.broker.request(operator, { role: roleName, ticket, owner: liveOwner() }).then(({ grant }) => grant);
const stateOf = async (id: string) => (await env.store.getGrant(id))?.state;

describe('ticket webhooks on jit serve', () => {
  it('GitHub: a closed issue ends its grant at once, the look made in GitHub and the audit naming the webhook', async () => {
    github.issues.set('acme/orders#21', { state: 'open' });
    const grant = await request('deploy', 'acme/orders#21');
    github.issues.set('acme/orders#21', { state: 'closed' });
    github.requests.length = 0;
    expect(await deliver('github', githubIssueEvent(SECRETS.github, 'acme/orders#21', 'closed'))).toEqual({ status: 200, body: { status: 'rechecked', grants: 1 } });
    expect(await stateOf(grant.id)).toBe('revoked');
    expect(github.requests).toEqual(['GET /repos/acme/orders/issues/21']);
    const revoked = (await env.store.events({ grantId: grant.id })).find((event) => event.type === 'grant.revoked');
    expect(revoked).toMatchObject({ actor: 'ticket:github', data: { reason: 'ticket_closed', ticketState: 'closed', via: 'webhook' } });
  });

  it('believes the system, not the delivery: "closed" for an issue GitHub says is open ends nothing', async () => {
    github.issues.set('acme/orders#22', { state: 'open' });
    const grant = await request('deploy', 'acme/orders#22');
    expect((await deliver('github', githubIssueEvent(SECRETS.github, 'acme/orders#22', 'closed'))).body).toEqual({ status: 'rechecked', grants: 1 });
    expect(await stateOf(grant.id)).toBe('active');
  });

  it.each([
    ['no signature', (d: Delivery) => ({ ...d, headers: { ...d.headers, 'x-hub-signature-256': '' } })],
    ['another secret’s signature', () => githubIssueEvent('not-the-secret', 'acme/orders#23', 'closed')],
    ['a body changed after signing', (d: Delivery) => ({ ...d, body: d.body.replace('#23', '#24').replace('"number":23', '"number":24') })],
    ['a signature in another form', (d: Delivery) => ({ ...d, headers: { ...d.headers, 'x-hub-signature-256': d.headers['x-hub-signature-256']!.replace('sha256=', 'sha1=') } })],
  ])('refuses a delivery with %s (401) and asks nobody', async (_what, forge) => {
    github.issues.set('acme/orders#23', { state: 'closed' });
    const answer = await deliver('github', forge(githubIssueEvent(SECRETS.github, 'acme/orders#23', 'closed')));
    expect(answer).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated', message: 'the delivery is not signed with the secret jit serve holds for github' } } });
    expect(github.requests).toEqual([]);
  });

  it('takes a delivery once: a retry or a replay of its id is answered "duplicate" and asks nobody', async () => {
    github.issues.set('acme/orders#25', { state: 'open' });
    await request('deploy', 'acme/orders#25');
    const delivery = githubIssueEvent(SECRETS.github, 'acme/orders#25', 'edited');
    expect((await deliver('github', delivery)).body).toEqual({ status: 'rechecked', grants: 1 });
    github.requests.length = 0;
    expect(await deliver('github', delivery)).toEqual({ status: 200, body: { status: 'duplicate' } });
    expect(github.requests).toEqual([]);
  });

  it('GitLab: the token header is the secret; a closed issue ends its grant', async () => {
    gitlab.issues.set('acme/orders#3', { state: 'opened' });
    const grant = await request('release', 'acme/orders#3');
    gitlab.issues.set('acme/orders#3', { state: 'closed' });
    expect((await deliver('gitlab', gitlabIssueEvent('wrong-token', 'acme/orders#3', 'close'))).status).toBe(401);
    expect(await stateOf(grant.id)).toBe('active');
    expect((await deliver('gitlab', gitlabIssueEvent(SECRETS.gitlab, 'acme/orders#3', 'close'))).body).toEqual({ status: 'rechecked', grants: 1 });
    expect(await stateOf(grant.id)).toBe('revoked');
  });

  it('Jira: an issue moved to another key ends the grant issued for its old one', async () => {
    const inProgress = { status: { name: 'In Progress', category: 'indeterminate' as const } };
    jira.issues.set('OPS-31', inProgress);
    const grant = await request('prod-db', 'OPS-31');
    jira.issues.set('OPS-31', { ...inProgress, key: 'DBA-7' });
    expect((await deliver('jira', jiraIssueEvent(SECRETS.jira, 'DBA-7', { movedFrom: 'OPS-31' }))).body).toEqual({ status: 'rechecked', grants: 1 });
    expect(await env.store.getGrant(grant.id)).toMatchObject({ state: 'revoked', revokeReason: 'ticket_closed' });
  });

  it('PagerDuty: any of the signatures sent while a secret is rotated may match; a resolved incident ends its grant', async () => {
    pagerduty.incidents.set('PT4KHW1', { status: 'acknowledged' });
    const grant = await request('on-call', 'PT4KHW1');
    pagerduty.incidents.set('PT4KHW1', { status: 'resolved' });
    expect((await deliver('pagerduty', pagerdutyIncidentEvent(['the-old-secret'], 'PT4KHW1'))).status).toBe(401);
    expect((await deliver('pagerduty', pagerdutyIncidentEvent(['the-old-secret', SECRETS.pagerduty], 'PT4KHW1'))).body).toEqual({ status: 'rechecked', grants: 1 });
    expect(await stateOf(grant.id)).toBe('revoked');
  });

  it('answers an event about no ticket "ignored", and one about a ticket no grant holds with 0 grants', async () => {
    const ping = { ...githubIssueEvent(SECRETS.github, 'acme/orders#1', 'opened') };
    ping.headers = { ...ping.headers, 'x-github-event': 'ping' };
    expect((await deliver('github', ping)).body).toEqual({ status: 'ignored' });
    expect((await deliver('github', githubIssueEvent(SECRETS.github, 'acme/orders#999', 'closed'))).body).toEqual({ status: 'rechecked', grants: 0 });
    expect(github.requests).toEqual([]);
  });

  it('refuses what is not a delivery it can take: a system no role takes hooks from, an unknown one, no id, not JSON, too large', async () => {
    const signed = githubIssueEvent(SECRETS.github, 'acme/orders#26', 'closed');
    expect(await deliver('servicenow', signed)).toMatchObject({ status: 400 });
    expect(await deliver('redmine', signed)).toMatchObject({ status: 400 });
    const { 'x-github-delivery': _, ...withoutId } = signed.headers;
    expect(await deliver('github', { ...signed, headers: withoutId })).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/carries no id of its own/) } } });
    expect(await deliver('github', { ...signed, headers: { ...signed.headers, 'content-type': 'text/plain' } })).toMatchObject({ status: 415 });
    const huge = githubIssueEvent(SECRETS.github, 'acme/orders#26', 'closed');
    huge.body = huge.body.replace('"A task"', JSON.stringify('x'.repeat(2 * 1024 * 1024)));
    expect(await deliver('github', huge)).toMatchObject({ status: 413 });
    expect(github.requests).toEqual([]);
  });

  it('a role without webhookSecret takes no deliveries for its system (404)', async () => {
    const withoutHooks = await testBroker(role('deploy', `ticket: { system: github, api: '${github.api}', credentials: env:JIT_TEST_GITHUB_TOKEN, repositories: [acme/orders] }`).replace(/^/, 'roles:\n'));
    const bare = buildBrokerApp({ broker: withoutHooks.broker, verifier: callers(new OperatorTokenVerifier({ issuer: 'http://127.0.0.1:9', audience: 'jit', algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 })) });
    try {
      const answer = await bare.inject({ method: 'POST', url: '/webhooks/github', headers: githubIssueEvent(SECRETS.github, 'acme/orders#1', 'closed').headers, payload: '{}' });
      expect(answer.statusCode).toBe(404);
      expect(answer.json()).toMatchObject({ error: { code: 'not_found', message: 'no role takes webhooks from github' } });
    } finally {
      await bare.close();
      withoutHooks.remove();
    }
  });
});
