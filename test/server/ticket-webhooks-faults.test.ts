// Ticket webhooks under attack and bad timing (found by an adversarial review, each test written failing
// first): a change that arrives while a look is already on its way, or while the grant is being issued;
// a look that cannot be made; a captured delivery replayed under new ids; a burst of grants on one ticket;
// guessed secrets; an unreadable secret.
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { buildBrokerApp } from '../../src/server/app.js';
import { OperatorTokenVerifier } from '../../src/server/operator-token.js';
import { callers, type Callers } from '../../src/server/caller-verifier.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';
import { freePort } from '../support/free-port.js';
import { startGithub, type GithubDouble } from '../support/github.js';
import { startGitlab, type GitlabDouble } from '../support/gitlab.js';
import { startPagerduty, type PagerdutyDouble } from '../support/pagerduty.js';
import { failure } from '../support/rejection.js';
import { githubIssueEvent, gitlabIssueEvent, pagerdutyIncidentEvent, type Delivery } from '../support/webhook-deliveries.js';

const SECRETS = { github: 'gh-webhook-secret-6f1d-5b0e9d2c7a41f368', gitlab: 'gl-webhook-token-93aa-5b0e9d2c7a41f368', pagerduty: 'pd-webhook-secret-0b52-5b0e9d2c7a41f368' };

let github: GithubDouble;
let gitlab: GitlabDouble;
let pagerduty: PagerdutyDouble;
let env: TestBroker;
let app: FastifyInstance;
let base: string;
let verifier: Callers;

const role = (name: string, ticket: string) => `  ${name}:\n    ttl: { default: 10m, max: 1h }\n    requesters: ['*']\n    ticket: ${ticket}\n    issuer: { type: jwt }\n`;

/** GitHub responses held (after GitHub answered) until `release` is called: a look in flight. */
let hold: Promise<void> | undefined;
const realFetch = globalThis.fetch;

beforeAll(async () => {
  [github, gitlab, pagerduty] = await Promise.all([startGithub(), startGitlab(), startPagerduty()]);
  Object.assign(process.env, {
    ADV_GITHUB_TOKEN: github.token,
    ADV_GITLAB_TOKEN: gitlab.token,
    ADV_PAGERDUTY_KEY: pagerduty.key,
    ADV_GITHUB_WEBHOOK: SECRETS.github,
    ADV_GITLAB_WEBHOOK: SECRETS.gitlab,
    ADV_PAGERDUTY_WEBHOOK: SECRETS.pagerduty,
  });
  env = await testBroker(
    'roles:\n' +
      role('deploy', `{ system: github, api: '${github.api}', credentials: env:ADV_GITHUB_TOKEN, repositories: [acme/orders], webhookSecret: env:ADV_GITHUB_WEBHOOK, recheck: 1h }`) +
      role('release', `{ system: gitlab, site: '${gitlab.site}', credentials: env:ADV_GITLAB_TOKEN, projects: [acme/orders], webhookSecret: env:ADV_GITLAB_WEBHOOK, recheck: 1h }`) +
      role('on-call', `{ system: pagerduty, api: '${pagerduty.api}', credentials: env:ADV_PAGERDUTY_KEY, webhookSecret: env:ADV_PAGERDUTY_WEBHOOK, recheck: 1h }`),
  );
  verifier = callers(new OperatorTokenVerifier({ issuer: `http://127.0.0.1:${await freePort()}`, audience: 'jit', algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
  app = buildBrokerApp({ broker: env.broker, verifier });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  globalThis.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    if (String(input).startsWith(github.api) && hold) await hold;
    return response;
  };
});
afterAll(async () => {
  globalThis.fetch = realFetch;
  await app.close();
  env.remove();
  await Promise.all([github.close(), gitlab.close(), pagerduty.close()]);
});
beforeEach(() => {
  hold = undefined;
  for (const double of [github, gitlab, pagerduty]) double.requests.length = 0;
});

async function deliver(system: string, delivery: Delivery, to = base) {
  const response = await realFetch(`${to}/webhooks/${system}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const request = (roleName: string, ticket: string) => env.broker.request(operator, { role: roleName, ticket, owner: liveOwner() }).then(({ grant }) => grant);
const stateOf = async (id: string) => (await env.store.getGrant(id))?.state;
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('ticket webhooks, adversarially', () => {
  it('a "closed" delivery that arrives while an earlier look is on its way gets a look of its own, which ends the grant', async () => {
    github.issues.set('acme/orders#41', { state: 'open' });
    const grant = await request('deploy', 'acme/orders#41');
    github.requests.length = 0;
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    // An edit: its look reaches GitHub while the issue is still open; the answer is on its way back.
    const edited = deliver('github', githubIssueEvent(SECRETS.github, 'acme/orders#41', 'edited'));
    await until(() => github.requests.length === 1);
    // Now the issue is closed, and GitHub says so.
    github.issues.set('acme/orders#41', { state: 'closed' });
    const closed = deliver('github', githubIssueEvent(SECRETS.github, 'acme/orders#41', 'closed'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    hold = undefined;
    expect((await edited).body).toEqual({ status: 'rechecked', grants: 1 });
    expect((await closed).body).toEqual({ status: 'rechecked', grants: 1 });
    expect(await stateOf(grant.id)).toBe('revoked');
  });

  it('a delivery whose look could not be made is 503 and forgotten, so that the system’s retry is acted on', async () => {
    pagerduty.incidents.set('PADV001', { status: 'acknowledged' });
    const grant = await request('on-call', 'PADV001');
    pagerduty.incidents.set('PADV001', { status: 'resolved' });
    pagerduty.rateLimited = true;
    const delivery = pagerdutyIncidentEvent([SECRETS.pagerduty], 'PADV001');
    const first = await deliver('pagerduty', delivery);
    pagerduty.rateLimited = false;
    env.clock.now += 20_000; // past the reset PagerDuty gave
    const retry = await deliver('pagerduty', delivery);
    expect({ first: first.status, retry: retry.body, state: await stateOf(grant.id) }).toEqual({ first: 503, retry: { status: 'rechecked', grants: 1 }, state: 'revoked' });
  });

  it('a captured GitHub delivery replayed under fresh X-GitHub-Delivery ids is acted on once', async () => {
    github.issues.set('acme/orders#42', { state: 'open' });
    await request('deploy', 'acme/orders#42');
    github.requests.length = 0;
    const captured = githubIssueEvent(SECRETS.github, 'acme/orders#42', 'edited');
    const answers = [];
    // The id is a header, outside the signature: anyone holding one delivery (repo admins see them all) mints new ones.
    for (let i = 0; i < 30; i++) answers.push((await deliver('github', { ...captured, headers: { ...captured.headers, 'x-github-delivery': randomUUID() } })).body.status);
    expect(answers.filter((status) => status === 'rechecked').length).toBe(1);
    expect(github.requests.length).toBeLessThanOrEqual(1);
  });

  it('one delivery about a ticket several grants hold asks the system once', async () => {
    github.issues.set('acme/orders#43', { state: 'open' });
    for (let i = 0; i < 8; i++) await request('deploy', 'acme/orders#43');
    github.requests.length = 0;
    expect((await deliver('github', githubIssueEvent(SECRETS.github, 'acme/orders#43', 'edited'))).body).toEqual({ status: 'rechecked', grants: 8 });
    expect(github.requests).toEqual(['GET /repos/acme/orders/issues/43']);
  });

  it('an address that keeps sending wrong GitLab tokens waits (429) before more are even checked', async () => {
    // A fresh app: its own failed-authentication buckets.
    const fresh = buildBrokerApp({ broker: env.broker, verifier });
    const at = await fresh.listen({ host: '127.0.0.1', port: 0 });
    try {
      gitlab.issues.set('acme/orders#44', { state: 'opened' });
      const statuses = [];
      for (let i = 0; i < 60; i++) statuses.push((await deliver('gitlab', gitlabIssueEvent(`guess-${i}`, 'acme/orders#44', 'update'), at)).status);
      expect(statuses.slice(-30)).toEqual(Array(30).fill(429));
    } finally {
      await fresh.close();
    }
  });

  it('an unreadable webhookSecret tells an anonymous caller nothing of the broker’s environment, and stops no other role’s webhooks', async () => {
    process.env.ADV_GITHUB_WEBHOOK_2 = '';
    const two = await testBroker(
      'roles:\n' +
        role('deploy', `{ system: github, api: '${github.api}', credentials: env:ADV_GITHUB_TOKEN, repositories: [acme/orders], webhookSecret: env:ADV_GITHUB_WEBHOOK, recheck: 1h }`) +
        role('deploy-other', `{ system: github, api: '${github.api}', credentials: env:ADV_GITHUB_TOKEN, repositories: [acme/other], webhookSecret: env:ADV_GITHUB_WEBHOOK_2, recheck: 1h }`),
    );
    const other = buildBrokerApp({ broker: two.broker, verifier });
    try {
      const anonymous = await other.inject({ method: 'POST', url: '/webhooks/github', headers: { 'content-type': 'application/json' }, payload: '{}' });
      const signed = githubIssueEvent(SECRETS.github, 'acme/orders#45', 'edited');
      const answer = await other.inject({ method: 'POST', url: '/webhooks/github', headers: signed.headers, payload: signed.body });
      expect({ anonymous: JSON.stringify(anonymous.json()).includes('ADV_GITHUB_WEBHOOK_2'), signed: answer.statusCode }).toEqual({ anonymous: false, signed: 200 });
    } finally {
      await other.close();
      two.remove();
      delete process.env.ADV_GITHUB_WEBHOOK_2;
    }
  });
  it('a "closed" delivery that arrives while the grant is being issued is not lost: the credential is not handed over (65)', async () => {
    const slow = await testBroker((script) =>
      'roles:\n' +
        `  deploy:\n    ttl: { default: 10m, max: 1h }\n    requesters: ['*']\n` +
        `    ticket: { system: github, api: '${github.api}', credentials: env:ADV_GITHUB_TOKEN, repositories: [acme/orders], webhookSecret: env:ADV_GITHUB_WEBHOOK, recheck: 1h }\n` +
        `    issuer: { type: command, issue: ${script('issue', `cat > /dev/null; sleep 1; echo '{"env":{"T":"x"},"handle":"h"}'`)}, revoke: ${script('revoke', 'cat > /dev/null')}, timeout: 5s }\n`,
    );
    const slowApp = buildBrokerApp({ broker: slow.broker, verifier });
    try {
      github.issues.set('acme/orders#46', { state: 'open' });
      const issued = slow.broker.request(operator, { role: 'deploy', ticket: 'acme/orders#46', owner: liveOwner() });
      for (let i = 0; i < 100 && (await slow.store.listGrants()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      // The ticket was looked at and the issuer is at work; now the issue is closed and GitHub says so.
      github.issues.set('acme/orders#46', { state: 'closed' });
      const closed = githubIssueEvent(SECRETS.github, 'acme/orders#46', 'closed');
      const answer = await slowApp.inject({ method: 'POST', url: '/webhooks/github', headers: closed.headers, payload: closed.body });
      expect(answer.json()).toEqual({ status: 'rechecked', grants: 0 });
      const refused = await failure(issued);
      expect(refused.exitCode).toBe(ExitCode.ticketRejected);
      expect(refused.message).toBe('ticket acme/orders#46 changed as deploy was being issued, and no longer allows it; the credential was revoked at once and nothing ran');
      expect((await slow.store.listGrants()).map((grant) => [grant.state, grant.revokeReason])).toEqual([['revoked', 'ticket_closed']]);
    } finally {
      await slowApp.close();
      slow.remove();
    }
  });
});
