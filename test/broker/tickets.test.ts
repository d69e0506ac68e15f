// Tickets bound to reality, against a loopback Jira: a request is decided on the ticket's real state and
// assignee (exit 65 and a denied request in the audit otherwise), a malformed key reaches nobody, and a
// live grant whose ticket leaves the allowed states is revoked at its next heartbeat's re-check.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';
import { startGithub, type GithubDouble } from '../support/github.js';
import { startGitlab, type GitlabDouble } from '../support/gitlab.js';
import { startJira, type JiraDouble } from '../support/jira.js';
import { freePort } from '../support/free-port.js';
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
  process.env.JIT_TEST_JIRA_CREDENTIALS = jira.credentials;
  jira.issues.clear();
  jira.requests.length = 0;
});
afterEach(() => env?.remove());

const policy = (extra = '') => `roles:
  prod-db:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    ticket: { system: jira, site: '${jira.site}', credentials: env:JIT_TEST_JIRA_CREDENTIALS, projects: [OPS], allowed: [in_progress], recheck: 30s${extra} }
    issuer: { type: jwt }
`;
const inProgress = { status: { name: 'In Progress', category: 'indeterminate' as const }, assignee: { accountId: '5b10a2844c20165700ede21g', emailAddress: 'alice', displayName: 'Alice' } };
const ask = (ticket: string) => env!.broker.request(operator, { role: 'prod-db', ticket, owner: liveOwner() });

describe('tickets checked in Jira', () => {
  it('issues for a ticket in progress, and records that Jira verified it and in what state', async () => {
    env = await testBroker(policy());
    jira.issues.set('OPS-1', inProgress);
    const { grant } = await ask('OPS-1');
    expect(grant.state).toBe('active');
    const [created] = await env.store.events({ ticket: 'OPS-1' });
    expect(created).toMatchObject({ type: 'request.created', data: { ticketVerified: true, ticketSystem: 'jira', ticketState: 'In Progress' } });
    expect(jira.requests).toEqual(['GET /rest/api/3/issue/OPS-1?fields=status,assignee,summary']);
    expect(jira.unexpected).toEqual([]);
  });

  it.each([
    ['done', { status: { name: 'Done', category: 'done' as const } }, /ticket OPS-2 is Done \(done\); this role needs it in progress \(http:\/\/127\.0\.0\.1:\d+\/browse\/OPS-2\)/],
    ['not started', { status: { name: 'To Do', category: 'new' as const } }, /ticket OPS-2 is To Do \(open\)/],
    ['moved', { ...inProgress, key: 'OPS-9' }, /ticket OPS-2 has moved to OPS-9; ask with OPS-9/],
    ['missing', undefined, /ticket OPS-2 was not found, or jit's account may not see it/],
  ])('refuses a ticket that is %s: exit 65, the reason, a denied request in the audit, nothing issued', async (_what, issue, reason) => {
    env = await testBroker(policy());
    if (issue) jira.issues.set('OPS-2', issue);
    const error = await failure(ask('OPS-2'));
    expect(error.exitCode).toBe(ExitCode.ticketRejected);
    expect(error.message).toMatch(reason);
    expect(await env.store.listGrants()).toEqual([]);
    expect((await env.store.events({ ticket: 'OPS-2' })).map((e) => [e.type, e.actor])).toEqual([
      ['request.created', 'user:alice@test-host'],
      ['request.denied', 'ticket:jira'],
    ]);
  });

  it('keeps what Jira answers printable: control characters in a state name, a moved-to key that is not one', async () => {
    env = await testBroker(policy());
    jira.issues.set('OPS-8', { status: { name: 'Done\u001b[2J\u0007', category: 'done' } });
    expect((await failure(ask('OPS-8'))).message).toMatch(/ticket OPS-8 is Done\?\[2J\? \(done\)/);
    jira.issues.set('OPS-9', { ...inProgress, key: 'OPS-9\n\u001b]0;pwned\u0007' });
    expect((await failure(ask('OPS-9'))).message).toBe('request denied: ticket OPS-9 has moved to (an invalid key); ask with (an invalid key)');
  });

  it('Jira Data Center: auth: bearer sends the personal access token to API v2', async () => {
    process.env.JIT_TEST_JIRA_CREDENTIALS = jira.personalAccessToken;
    env = await testBroker(policy(', auth: bearer'));
    jira.issues.set('OPS-26', inProgress);
    expect((await ask('OPS-26')).grant.state).toBe('active');
    expect(jira.requests).toEqual(['GET /rest/api/2/issue/OPS-26?fields=status,assignee,summary']);
    expect(jira.unexpected).toEqual([]);
  });

  it('refuses a ticket assigned to someone else when the role says assignee: requester', async () => {
    env = await testBroker(policy(', assignee: requester'));
    jira.issues.set('OPS-3', { ...inProgress, assignee: { accountId: 'x', emailAddress: 'bob', displayName: 'Bob' } });
    expect((await failure(ask('OPS-3'))).message).toMatch(/ticket OPS-3 is not assigned to alice/);
    jira.issues.set('OPS-4', inProgress);
    expect((await ask('OPS-4')).grant.state).toBe('active');
  });

  it.each([
    ["a quote and OR", "OPS-1' OR '1'='1"],
    ['a path', 'OPS-1/../../admin'],
    ['an encoded slash', 'OPS-1%2Fx'],
    ['a look-alike letter', '\u041EPS-1'],
    ['10 kB', `OPS-${'1'.repeat(10_000)}`],
    ['a caret', 'OPS-1^2'],
  ])('refuses a key with %s (64) without asking Jira', async (_what, ticket) => {
    env = await testBroker(policy());
    expect((await failure(ask(ticket))).exitCode).toBe(ExitCode.usage);
    expect(jira.requests).toEqual([]);
  });

  it('refuses a project the role does not take without asking Jira', async () => {
    env = await testBroker(policy());
    expect((await failure(ask('SALES-1'))).message).toMatch(/ticket SALES-1 is not in OPS, where this role's tickets are/);
    expect(jira.requests).toEqual([]);
  });

  it('a Jira that refuses jit’s credentials, or does not answer, is 69 and issues nothing', async () => {
    env = await testBroker(policy().replace(jira.site, 'http://127.0.0.1:1'));
    expect((await failure(ask('OPS-5'))).exitCode).toBe(ExitCode.unavailable);
    env.remove();
    process.env.JIT_TEST_JIRA_CREDENTIALS = 'jit-bot@example.com:wrong';
    try {
      env = await testBroker(policy());
      jira.issues.set('OPS-5', inProgress);
      const refused = await failure(ask('OPS-5'));
      expect(refused.exitCode).toBe(ExitCode.unavailable);
      expect(refused.message).toMatch(/refused jit's credentials \(401\)/);
      expect(refused.message).not.toContain('wrong');
      expect(await env.store.listGrants()).toEqual([]);
    } finally {
      process.env.JIT_TEST_JIRA_CREDENTIALS = jira.credentials;
    }
  });

  it('a live grant whose ticket is closed is revoked at the heartbeat after its re-check interval, and the audit says why', async () => {
    env = await testBroker(policy());
    jira.issues.set('OPS-6', inProgress);
    const { grant } = await ask('OPS-6');
    jira.issues.set('OPS-6', { ...inProgress, status: { name: 'Done', category: 'done' } });
    // Within the interval, the ticket is not asked again.
    env.clock.now += 10_000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
    expect(jira.requests).toHaveLength(1);
    env.clock.now += 25_000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('revoked');
    expect(await env.broker.grant(operator, grant.id)).toMatchObject({ state: 'revoked', revokeReason: 'ticket_closed', revocation: 'verified' });
    const revoked = (await env.store.events({ grantId: grant.id })).find((e) => e.type === 'grant.revoked');
    expect(revoked).toMatchObject({ actor: 'ticket:jira', data: { reason: 'ticket_closed', ticketState: 'Done' } });
  });

  it('a Jira that cannot answer at a re-check is tried again seconds later; a grant unconfirmed for two intervals ends', async () => {
    env = await testBroker(policy());
    jira.issues.set('OPS-7', inProgress);
    const { grant } = await ask('OPS-7');
    process.env.JIT_TEST_JIRA_CREDENTIALS = 'jit-bot@example.com:wrong';
    try {
      env.clock.now += 31_000;
      expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
      const asked = jira.requests.length;
      env.clock.now += 1000;
      expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
      expect(jira.requests).toHaveLength(asked);
      env.clock.now += 5000;
      expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
      expect(jira.requests).toHaveLength(asked + 1);
      // Past two intervals without Jira confirming the ticket, the grant ends.
      env.clock.now += 30_000;
      expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('revoked');
      expect(await env.broker.grant(operator, grant.id)).toMatchObject({ revokeReason: 'ticket_unverifiable' });
      const revoked = (await env.store.events({ grantId: grant.id })).find((e) => e.type === 'grant.revoked');
      expect(revoked).toMatchObject({ actor: 'ticket:jira', data: { reason: 'ticket_unverifiable', why: expect.stringMatching(/refused jit's credentials \(401\)/) } });
    } finally {
      process.env.JIT_TEST_JIRA_CREDENTIALS = jira.credentials;
    }
  });

  it('whenDown: allow issues while Jira cannot answer: unverified, for degradedTtl at most, the requester told, the audit saying why', async () => {
    process.env.JIT_TEST_JIRA_CREDENTIALS = 'jit-bot@example.com:wrong';
    try {
      env = await testBroker(policy(', whenDown: allow, degradedTtl: 2m'));
      const issued = await ask('OPS-20');
      expect(issued.grant).toMatchObject({ state: 'active', expiresAt: Math.floor(env.clock.now / 1000) + 120 });
      expect(issued.notice).toMatch(/^jira could not be asked about OPS-20 \(Jira at http:\/\/127\.0\.0\.1:\d+ refused jit's credentials \(401\)\); prod-db allows that: granted unverified for 2m, and looked at again as soon as it answers$/);
      const [created] = await env.store.events({ ticket: 'OPS-20' });
      expect(created).toMatchObject({ type: 'request.created', data: { ticketVerified: false, ticketState: 'no answer', degraded: true, ttlSeconds: 600, ticketError: expect.stringMatching(/401/) } });
    } finally {
      process.env.JIT_TEST_JIRA_CREDENTIALS = jira.credentials;
    }
  });

  it('a degraded grant is looked at every few seconds until Jira answers: confirmed on the record, or ended if the ticket does not allow it', async () => {
    process.env.JIT_TEST_JIRA_CREDENTIALS = 'jit-bot@example.com:wrong';
    env = await testBroker(policy(', whenDown: allow, degradedTtl: 5m'));
    const confirmed = (await ask('OPS-21')).grant;
    const refused = (await ask('OPS-22')).grant;
    env.clock.now += 5000;
    expect((await env.broker.heartbeat(operator, confirmed.id))?.state).toBe('active');
    process.env.JIT_TEST_JIRA_CREDENTIALS = jira.credentials;
    jira.issues.set('OPS-21', inProgress);
    jira.issues.set('OPS-22', { status: { name: 'Done', category: 'done' } });
    env.clock.now += 5000;
    expect((await env.broker.heartbeat(operator, confirmed.id))?.state).toBe('active');
    expect((await env.broker.heartbeat(operator, refused.id))?.state).toBe('revoked');
    expect((await env.store.events({ grantId: confirmed.id })).at(-1)).toMatchObject({ type: 'ticket.verified', actor: 'ticket:jira', data: { ticketState: 'In Progress' } });
    expect(await env.broker.grant(operator, refused.id)).toMatchObject({ revokeReason: 'ticket_closed' });
    // Confirmed: from now on at the role's interval, not every few seconds.
    const asked = jira.requests.length;
    env.clock.now += 10_000;
    expect((await env.broker.heartbeat(operator, confirmed.id))?.state).toBe('active');
    expect(jira.requests).toHaveLength(asked);
  });

  it('whenDown: allow still refuses what is not an outage: a ticket Jira says is done, credentials that are not a token', async () => {
    env = await testBroker(policy(', whenDown: allow'));
    jira.issues.set('OPS-23', { status: { name: 'Done', category: 'done' } });
    expect((await failure(ask('OPS-23'))).exitCode).toBe(ExitCode.ticketRejected);
    env.remove();
    process.env.JIT_TEST_JIRA_CREDENTIALS = 'two\nlines';
    try {
      env = await testBroker(policy(', whenDown: allow'));
      expect((await failure(ask('OPS-24'))).exitCode).toBe(ExitCode.config);
      expect(await env.store.listGrants()).toEqual([]);
    } finally {
      process.env.JIT_TEST_JIRA_CREDENTIALS = jira.credentials;
    }
  });

  it('whenDown: allow lets a live grant go unconfirmed for its degradedTtl, not longer', async () => {
    env = await testBroker(policy(', whenDown: allow, degradedTtl: 3m'));
    jira.issues.set('OPS-25', inProgress);
    const { grant } = await ask('OPS-25');
    process.env.JIT_TEST_JIRA_CREDENTIALS = 'jit-bot@example.com:wrong';
    try {
      // Two 30 s intervals would end it where Jira outages are refused; here it lives on to 3 minutes unconfirmed.
      for (const step of [31_000, 60_000, 60_000]) {
        env.clock.now += step;
        expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
      }
      env.clock.now += 30_000;
      expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('revoked');
      expect(await env.broker.grant(operator, grant.id)).toMatchObject({ revokeReason: 'ticket_unverifiable' });
    } finally {
      process.env.JIT_TEST_JIRA_CREDENTIALS = jira.credentials;
    }
  });

  it('records a Jira that could not be asked (69) in the audit, and a missing ticket as not verified', async () => {
    const closed = await freePort();
    env = await testBroker(policy().replace(jira.site, `http://127.0.0.1:${closed}`));
    expect((await failure(ask('OPS-10'))).exitCode).toBe(ExitCode.unavailable);
    expect((await env.store.events({ ticket: 'OPS-10' })).map((e) => [e.type, e.actor, e.data.ticketState ?? e.data.reason])).toEqual([
      ['request.created', 'user:alice@test-host', 'no answer'],
      ['request.denied', 'ticket:jira', `Jira at http://127.0.0.1:${closed} did not answer (ECONNREFUSED)`],
    ]);
    env.remove();
    env = await testBroker(policy());
    await failure(ask('OPS-11'));
    expect((await env.store.events({ ticket: 'OPS-11' }))[0]).toMatchObject({ data: { ticketVerified: false, ticketState: 'not found' } });
  });

  it('a token that is not one (a line break, a comment) is refused by name, never quoted', async () => {
    process.env.JIT_TEST_JIRA_CREDENTIALS = 'PAT-SUPER-SECRET-0123456789\n# rotated 2026-11';
    try {
      env = await testBroker(policy(', auth: bearer'));
      const error = await failure(ask('OPS-12'));
      expect(error.exitCode).toBe(ExitCode.config);
      expect(error.message).toBe('the Jira credentials in env:JIT_TEST_JIRA_CREDENTIALS are not a token (spaces, line breaks or other characters)');
      expect(JSON.stringify(await env.store.events({ ticket: 'OPS-12' }))).not.toContain('SUPER-SECRET');
    } finally {
      process.env.JIT_TEST_JIRA_CREDENTIALS = jira.credentials;
    }
  });

  it('a Jira answering nonsense (a status category named like an object key) is 69, not a crash; 2 MB about a ticket refuses it (65), even where outages are allowed', async () => {
    env = await testBroker(policy());
    jira.issues.set('OPS-13', { status: { name: 'x', category: 'constructor' as never } });
    expect((await failure(ask('OPS-13'))).exitCode).toBe(ExitCode.unavailable);
    env.remove();
    env = await testBroker(policy(', whenDown: allow'));
    jira.issues.set('OPS-14', { ...inProgress, summary: 'x'.repeat(2 * 1024 * 1024) });
    const tooLarge = await failure(ask('OPS-14'));
    expect(tooLarge.exitCode).toBe(ExitCode.ticketRejected);
    expect(tooLarge.message).toMatch(/answered with more than 1 MiB about it, so jit cannot tell its state/);
    expect(await env.store.listGrants()).toEqual([]);
  });
});

describe('tickets checked in GitHub', () => {
  let github: GithubDouble;
  beforeAll(async () => {
    github = await startGithub();
    process.env.JIT_TEST_GITHUB_TOKEN = github.token;
  });
  afterAll(async () => {
    delete process.env.JIT_TEST_GITHUB_TOKEN;
    await github.close();
  });
  beforeEach(() => {
    github.issues.clear();
    github.requests.length = 0;
  });
  const githubPolicy = (extra = '') => `roles:
  deploy:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    ticket: { system: github, api: '${github.api}', credentials: env:JIT_TEST_GITHUB_TOKEN, repositories: [acme/orders]${extra} }
    issuer: { type: jwt }
`;
  const askGithub = (ticket: string) => env!.broker.request(operator, { role: 'deploy', ticket, owner: liveOwner() });

  it('issues for an open issue, and records that GitHub verified it', async () => {
    env = await testBroker(githubPolicy());
    github.issues.set('acme/orders#12', { state: 'open' });
    expect((await askGithub('acme/orders#12')).grant.state).toBe('active');
    expect(github.requests).toEqual(['GET /repos/acme/orders/issues/12']);
    expect(github.unexpected).toEqual([]);
    expect((await env.store.events({ ticket: 'acme/orders#12' }))[0]).toMatchObject({ data: { ticketVerified: true, ticketSystem: 'github', ticketState: 'open' } });
  });

  it.each([
    ['closed', { state: 'closed' as const }, /ticket acme\/orders#13 is closed \(done\); this role needs it open/],
    ['a pull request', { state: 'open' as const, pullRequest: true }, /acme\/orders#13 is a pull request, not an issue/],
    ['deleted (410)', { state: 'open' as const, deleted: true }, /ticket acme\/orders#13 was not found/],
    ['transferred (301, followed once)', { state: 'open' as const, transferredTo: 'acme/platform#7' }, /ticket acme\/orders#13 has moved to acme\/platform#7; ask with acme\/platform#7/],
  ])('refuses an issue that is %s with exit 65', async (_what, issue, reason) => {
    env = await testBroker(githubPolicy());
    github.issues.set('acme/orders#13', issue);
    const transferredTo = (issue as { transferredTo?: string }).transferredTo;
    if (transferredTo) github.issues.set(transferredTo, { state: 'open' });
    const error = await failure(askGithub('acme/orders#13'));
    expect(error.exitCode).toBe(ExitCode.ticketRejected);
    expect(error.message).toMatch(reason);
    expect(github.unexpected).toEqual([]);
  });

  it('checks the assignee by login, and refuses another repository or a malformed reference without asking', async () => {
    env = await testBroker(githubPolicy(', assignee: requester'));
    github.issues.set('acme/orders#14', { state: 'open', assignees: ['bob'] });
    expect((await failure(askGithub('acme/orders#14'))).message).toMatch(/not assigned to alice/);
    github.requests.length = 0;
    expect((await failure(askGithub('acme/secrets#1'))).message).toMatch(/is not in acme\/orders, where this role's tickets are/);
    for (const forged of ['acme/orders#1/../2', 'acme/..#1', 'acme/orders#01', 'acme/orders%2F#1', 'acme/orders#1?x=1']) {
      const error = await failure(askGithub(forged));
      expect([ExitCode.usage, ExitCode.ticketRejected]).toContain(error.exitCode);
    }
    expect(github.requests).toEqual([]);
  });

  it.each([
    ['a quote and OR', "acme/orders#1' OR '1'='1"],
    ['a caret', 'acme/orders#1^2'],
    ['a path', 'acme/orders#1/../../admin'],
    ['an encoded slash', 'acme%2Forders#1'],
    ['a look-alike letter', 'acme/\u043Erders#1'],
    ['10 kB', `acme/orders#${'1'.repeat(10_000)}`],
  ])('refuses a reference with %s (64) without asking GitHub', async (_what, ticket) => {
    env = await testBroker(githubPolicy());
    expect((await failure(askGithub(ticket))).exitCode).toBe(ExitCode.usage);
    expect(github.requests).toEqual([]);
  });

  it('a spent rate limit (403, none remaining) is 69 with its reset, and GitHub is asked nothing until then', async () => {
    env = await testBroker(githubPolicy());
    github.state.exhaustedUntil = Math.floor(env.clock.now / 1000) + 120;
    try {
      const limited = await failure(askGithub('acme/orders#16'));
      expect(limited.exitCode).toBe(ExitCode.unavailable);
      expect(limited.message).toMatch(/^GitHub at http:\/\/127\.0\.0\.1:\d+ is rate-limiting jit \(retry after \d+s\)$/);
      expect((await failure(askGithub('acme/orders#16'))).exitCode).toBe(ExitCode.unavailable);
      expect(github.requests).toHaveLength(1);
    } finally {
      github.state.exhaustedUntil = undefined;
    }
  });

  it('a closed issue revokes its grant at the next re-check', async () => {
    env = await testBroker(githubPolicy(', recheck: 30s'));
    github.issues.set('acme/orders#15', { state: 'open' });
    const { grant } = await askGithub('acme/orders#15');
    github.issues.set('acme/orders#15', { state: 'closed' });
    env.clock.now += 31_000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('revoked');
    expect(await env.broker.grant(operator, grant.id)).toMatchObject({ revokeReason: 'ticket_closed' });
  });
});

describe('tickets checked in GitLab', () => {
  let gitlab: GitlabDouble;
  beforeAll(async () => {
    gitlab = await startGitlab();
    process.env.JIT_TEST_GITLAB_TOKEN = gitlab.token;
  });
  afterAll(async () => {
    delete process.env.JIT_TEST_GITLAB_TOKEN;
    await gitlab.close();
  });
  beforeEach(() => {
    gitlab.issues.clear();
    gitlab.requests.length = 0;
  });
  const gitlabPolicy = (extra = '') => `roles:
  deploy:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    ticket: { system: gitlab, site: '${gitlab.site}', credentials: env:JIT_TEST_GITLAB_TOKEN, projects: [acme/platform/orders]${extra} }
    issuer: { type: jwt }
`;
  const askGitlab = (ticket: string) => env!.broker.request(operator, { role: 'deploy', ticket, owner: liveOwner() });

  it('issues for an opened issue, the project sent as its encoded path', async () => {
    env = await testBroker(gitlabPolicy());
    gitlab.issues.set('acme/platform/orders#5', { state: 'opened' });
    expect((await askGitlab('acme/platform/orders#5')).grant.state).toBe('active');
    expect(gitlab.requests).toEqual(['GET /api/v4/projects/acme%2Fplatform%2Forders/issues/5']);
    expect(gitlab.unexpected).toEqual([]);
  });

  it('refuses a closed issue (65), another assignee, another project and a forged reference without asking', async () => {
    env = await testBroker(gitlabPolicy(', assignee: requester'));
    gitlab.issues.set('acme/platform/orders#6', { state: 'closed', assignees: ['alice'] });
    expect((await failure(askGitlab('acme/platform/orders#6'))).message).toMatch(/ticket acme\/platform\/orders#6 is closed \(done\)/);
    gitlab.issues.set('acme/platform/orders#7', { state: 'opened', assignees: ['bob'] });
    expect((await failure(askGitlab('acme/platform/orders#7'))).message).toMatch(/not assigned to alice/);
    gitlab.requests.length = 0;
    for (const forged of ['acme/secrets#1', 'acme/platform/orders#1/../2', 'acme/platform/orders%2F..#1', 'acme/platform/orders#1?x']) {
      expect([ExitCode.usage, ExitCode.ticketRejected]).toContain((await failure(askGitlab(forged))).exitCode);
    }
    expect(gitlab.requests).toEqual([]);
  });

  it.each([
    ['a quote and OR', "acme/platform/orders#1' OR '1'='1"],
    ['a caret', 'acme/platform/orders#1^2'],
    ['a path', 'acme/platform/../orders#1'],
    ['an encoded slash', 'acme%2Fplatform/orders#1'],
    ['a look-alike letter', 'acme/platform/\u043Erders#1'],
    ['10 kB', `acme/platform/orders#${'1'.repeat(10_000)}`],
  ])('refuses a reference with %s (64) without asking GitLab', async (_what, ticket) => {
    env = await testBroker(gitlabPolicy());
    expect((await failure(askGitlab(ticket))).exitCode).toBe(ExitCode.usage);
    expect(gitlab.requests).toEqual([]);
  });

  it('a closed issue revokes its grant at the next re-check', async () => {
    env = await testBroker(gitlabPolicy(', recheck: 30s'));
    gitlab.issues.set('acme/platform/orders#8', { state: 'opened' });
    const { grant } = await askGitlab('acme/platform/orders#8');
    gitlab.issues.set('acme/platform/orders#8', { state: 'closed' });
    env.clock.now += 31_000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('revoked');
  });
});
