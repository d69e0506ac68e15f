// Live-grant ticket checks and degraded mode under attack and bad timing (found by an adversarial review,
// each test written failing first), against a scriptable loopback GitLab: each test decides what every
// request to the issues API is answered with, and when.
import { createServer, type ServerResponse, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, JitError } from '../../src/core/errors.js';
import { parsePolicy } from '../../src/broker/policy/parse.js';
import { stateDirKeys } from '../../src/broker/key-provider.js';
import { Broker } from '../../src/broker/service.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';

const TOKEN = 'glpat-jitAdversarialToken0123';
const TICKET = 'acme/orders#1';

/** What the next request is answered with: a status and a body, or a function that writes the answer itself. */
type Answer = { status: number; body: unknown } | ((response: ServerResponse) => void);
let server: Server;
let site = '';
let answer: () => Answer = () => ({ status: 404, body: {} });
/** When set, each request waits for `release()` before it is answered (with what `answer` said as it arrived). */
let hold = false;
let held: (() => void)[] = [];
let arrived: (() => void)[] = [];
const nextArrival = () => new Promise<void>((resolve) => arrived.push(resolve));
const releaseAll = () => {
  const waiting = held;
  held = [];
  for (const release of waiting) release();
};
let requests = 0;

const issue = (state: 'opened' | 'closed', extra: Record<string, unknown> = {}) => ({
  status: 200,
  body: { id: 900, iid: 1, state, title: 'A task', references: { full: TICKET }, assignees: [{ username: 'alice' }], ...extra },
});

beforeAll(async () => {
  server = createServer((request, response) => {
    requests += 1;
    const chosen = request.headers['private-token'] === TOKEN ? answer() : { status: 401, body: {} };
    const send = () => {
      if (typeof chosen === 'function') return chosen(response);
      response.writeHead(chosen.status, { 'content-type': 'application/json' }).end(JSON.stringify(chosen.body));
    };
    for (const resolve of arrived.splice(0)) resolve();
    if (hold) held.push(send);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  process.env.JIT_ADV_GITLAB_TOKEN = TOKEN;
});
afterAll(async () => {
  delete process.env.JIT_ADV_GITLAB_TOKEN;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let env: TestBroker | undefined;
afterEach(() => {
  hold = false;
  releaseAll();
  arrived = [];
  requests = 0;
  env?.remove();
  env = undefined;
});

const policy = (extra = '') => `roles:
  deploy:
    ttl: { default: 30m, max: 1h }
    requesters: ['*']
    ticket: { system: gitlab, site: '${site}', credentials: env:JIT_ADV_GITLAB_TOKEN, projects: [acme/orders], allowed: [open], assignee: requester, recheck: 30s${extra} }
    issuer: { type: jwt }
`;
const ask = () => env!.broker.request(operator, { role: 'deploy', ticket: TICKET, owner: liveOwner() });
const settle = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('ticket checks and degraded mode, adversarially', () => {
  it('a closed ticket whose answer is over 1 MiB (a GitLab description anyone on the project may write) is refused, not granted degraded', async () => {
    env = await testBroker(policy(', whenDown: allow, degradedTtl: 10m'));
    // GitLab returns the issue's description (up to 1,048,576 characters); Rails escapes < > & as \u003c…
    answer = () => issue('closed', { assignees: [{ username: 'mallory' }], description: '<'.repeat(1_100_000) });
    const outcome = await settle(ask());
    expect(outcome).toBeInstanceOf(JitError);
    expect((outcome as JitError).exitCode).toBe(ExitCode.ticketRejected);
    expect(await env.store.listGrants({ states: ['issuing', 'active'] })).toEqual([]);
  });

  it('a project renamed by its maintainer (GitLab answers 301 to the new location) is not an outage: no degraded grant for a closed ticket', async () => {
    env = await testBroker(policy(', whenDown: allow, degradedTtl: 10m'));
    // GitLab >= 16.7 answers a GET naming a moved project by its old path with 301 and Location …/projects/ID/….
    answer = () => (response: ServerResponse) => {
      response.writeHead(301, { location: `${site}/api/v4/projects/42/issues/1` }).end();
    };
    const outcome = await settle(ask());
    expect(outcome).toBeInstanceOf(JitError);
    expect((outcome as JitError).exitCode).not.toBe(ExitCode.internal);
    expect(await env.store.listGrants({ states: ['issuing', 'active'] })).toEqual([]);
  });

  it('a change during issuance whose re-look cannot be made does not hand the credential over (69)', async () => {
    env = await testBroker(policy());
    answer = () => issue('opened');
    hold = true;
    const arrival = nextArrival();
    const requested = settle(ask());
    await arrival;
    // The ticket is closed while the look the request is decided on is under way: the system says so.
    expect(await env.broker.ticketsChanged('gitlab', [TICKET])).toBe(0);
    // …and cannot be asked again (down, or rate-limiting jit: a requester can spend that limit).
    answer = () => ({ status: 503, body: {} });
    hold = false;
    releaseAll();
    const outcome = await requested;
    expect(outcome).toBeInstanceOf(JitError);
    expect((outcome as JitError).exitCode).toBe(ExitCode.unavailable);
    expect(await env.store.listGrants({ states: ['issuing', 'active'] })).toEqual([]);
  });

  it('a look that failed (a store error) neither loses the ticket.verified event nor leaves a failed look queued for later changes', async () => {
    env = await testBroker(policy(', whenDown: allow, degradedTtl: 10m'));
    answer = () => ({ status: 503, body: {} });
    const { grant } = await ask(); // degraded
    const commit = env.store.commit.bind(env.store);
    let failVerified = true;
    env.store.commit = (async (change: Parameters<typeof commit>[0]) => {
      if (failVerified && change.events?.some((event) => event.type === 'ticket.verified')) {
        failVerified = false;
        throw new Error('SQLITE_BUSY: database is locked');
      }
      return commit(change);
    }) as typeof env.store.commit;
    // The system is back; a heartbeat's look is under way when a webhook comes: its look is queued.
    answer = () => issue('opened');
    hold = true;
    env.clock.now += 5000;
    let arrival = nextArrival();
    const beat = settle(env.broker.heartbeat(operator, grant.id));
    await arrival;
    const first = settle(env.broker.ticketsChanged('gitlab', [TICKET]));
    hold = false;
    releaseAll();
    await beat; // rejects: SQLITE_BUSY
    await first;
    env.clock.now += 1000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
    // Later: an interval look begins (reading the ticket open); the ticket is then closed and the webhook arrives.
    env.clock.now += 31_000;
    hold = true;
    arrival = nextArrival();
    const beat2 = settle(env.broker.heartbeat(operator, grant.id));
    await arrival;
    answer = () => issue('closed');
    const second = settle(env.broker.ticketsChanged('gitlab', [TICKET]));
    hold = false;
    releaseAll();
    await beat2;
    await second;
    expect((await env.store.getGrant(grant.id))?.state).toBe('revoked');
    expect((await env.store.events({ grantId: grant.id })).map((event) => event.type)).toContain('ticket.verified');
  });

  it('a queued look is made for the latest change that joined it: it reuses no answer begun before that one', async () => {
    env = await testBroker(policy());
    answer = () => issue('opened');
    const a = (await ask()).grant;
    const b = (await ask()).grant;
    // A's interval look is under way (it will read the ticket open).
    hold = true;
    env.clock.now += 31_000;
    let arrival = nextArrival();
    const beat = settle(env.broker.heartbeat(operator, a.id));
    await arrival;
    // Change 1: A's look is queued behind its running one; B's look begins at once (also reading it open).
    arrival = nextArrival();
    const change1 = settle(env.broker.ticketsChanged('gitlab', [TICKET]));
    await arrival;
    // Change 2: the ticket is closed, while both looks are under way. A keeps its queued look (change 1's mark).
    answer = () => issue('closed');
    const change2 = settle(env.broker.ticketsChanged('gitlab', [TICKET]));
    hold = false;
    releaseAll();
    await Promise.all([beat, change1, change2]);
    // A's queued look is made for change 2 too: it may not reuse B's, which began before it.
    expect((await env.store.getGrant(b.id))?.state).toBe('revoked');
    expect((await env.store.getGrant(a.id))?.state).toBe('revoked');
  });

  it('an answer that is not the documented shape, or is cut off mid-way, refuses (65) or is unavailable (69), on the record either way, never a crash (70)', async () => {
    env = await testBroker(policy());
    answer = () => issue('opened', { assignees: { username: 'alice' } });
    const malformed = await settle(ask());
    answer = () => (response: ServerResponse) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      response.write('{"iid":1,"state":"opened"');
      setTimeout(() => response.destroy(), 50);
    };
    const cut = await settle(ask());
    // Assignees that are not a list are none: the ticket is not the requester's.
    expect(malformed).toBeInstanceOf(JitError);
    expect((malformed as JitError).exitCode).toBe(ExitCode.ticketRejected);
    expect((malformed as JitError).message).toMatch(/is not assigned to alice/);
    expect(cut).toBeInstanceOf(JitError);
    expect((cut as JitError).exitCode).toBe(ExitCode.unavailable);
    expect((await env.store.events({ ticket: TICKET })).filter((event) => event.type === 'request.denied')).toHaveLength(2);
  });

  it('a grant whose role was removed from the policy ends at its next heartbeat', async () => {
    env = await testBroker(policy());
    answer = () => issue('opened');
    const { grant } = await ask();
    // The admin removes the role (a restart of jit serve, or the next embedded command reads the new policy).
    const without = await parsePolicy(`roles:\n  other:\n    ttl: { default: 10m, max: 1h }\n    requesters: ['*']\n    issuer: { type: jwt }\n`, 'test-policy.yaml');
    const broker = new Broker({ policy: without, store: env.store, keys: stateDirKeys(env.dir), host: operator.host, now: () => env!.clock.now });
    answer = () => issue('closed');
    const before = requests;
    for (let i = 0; i < 5; i++) {
      env.clock.now += 31_000;
      await broker.heartbeat(operator, grant.id);
    }
    // Ended at its first heartbeat, without asking the ticket system.
    expect(requests).toBe(before);
    expect(await env.store.getGrant(grant.id)).toMatchObject({ state: 'revoked', revokeReason: 'role_removed' });
  });
});
