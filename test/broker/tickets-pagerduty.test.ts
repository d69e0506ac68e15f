// Tickets that are PagerDuty incidents, against a loopback REST API: an incident triggered or
// acknowledged allows on-call work, a resolved one does not (and ends the grants it allowed), the
// services and assignee are checked, and a malformed id reaches nobody.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';
import { startPagerduty, type PagerdutyDouble } from '../support/pagerduty.js';
import { failure } from '../support/rejection.js';

let pagerduty: PagerdutyDouble;
let env: TestBroker | undefined;

beforeAll(async () => {
  pagerduty = await startPagerduty();
  process.env.JIT_TEST_PAGERDUTY_KEY = pagerduty.key;
});
afterAll(async () => {
  delete process.env.JIT_TEST_PAGERDUTY_KEY;
  await pagerduty.close();
});
beforeEach(() => {
  pagerduty.incidents.clear();
  pagerduty.requests.length = 0;
  pagerduty.unexpected.length = 0;
  pagerduty.rateLimited = false;
});
afterEach(() => {
  env?.remove();
  env = undefined;
});

const policy = (extra = '') => `roles:
  on-call:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    ticket: { system: pagerduty, api: '${pagerduty.api}', credentials: env:JIT_TEST_PAGERDUTY_KEY, recheck: 30s${extra} }
    issuer: { type: jwt }
`;
const ask = (ticket: string) => env!.broker.request(operator, { role: 'on-call', ticket, owner: liveOwner() });

describe('tickets checked in PagerDuty', () => {
  it.each(['triggered', 'acknowledged'] as const)('issues for a %s incident and records that PagerDuty verified it', async (status) => {
    env = await testBroker(policy());
    pagerduty.incidents.set('PT4KHLK', { status });
    expect((await ask('PT4KHLK')).grant.state).toBe('active');
    expect(pagerduty.requests).toEqual(['GET /incidents/PT4KHLK?include%5B%5D=assignees']);
    expect(pagerduty.unexpected).toEqual([]);
    expect((await env.store.events({ ticket: 'PT4KHLK' }))[0]).toMatchObject({ data: { ticketVerified: true, ticketSystem: 'pagerduty', ticketState: status } });
  });

  it('refuses a resolved incident (65) with its state and address; a missing one as not found', async () => {
    env = await testBroker(policy());
    pagerduty.incidents.set('PT4KHLM', { status: 'resolved' });
    const error = await failure(ask('PT4KHLM'));
    expect(error.exitCode).toBe(ExitCode.ticketRejected);
    expect(error.message).toBe('request denied: ticket PT4KHLM is resolved (done); this role needs it open or in progress (https://acme.pagerduty.com/incidents/PT4KHLM)');
    expect((await failure(ask('PT4KHLZ'))).message).toMatch(/ticket PT4KHLZ was not found/);
    expect(await env.store.listGrants()).toEqual([]);
  });

  it('takes only incidents on the role’s services, and assigned to the requester by email when it says so', async () => {
    env = await testBroker(policy(', services: [PSVC001], assignee: requester'));
    pagerduty.incidents.set('PT4KHL1', { status: 'triggered', service: 'PSVC999', assignees: [{ id: 'PUSER01', email: 'alice' }] });
    expect((await failure(ask('PT4KHL1'))).message).toBe('request denied: incident PT4KHL1 is not on PSVC001, the services this role takes');
    pagerduty.incidents.set('PT4KHL2', { status: 'triggered', assignees: [{ id: 'PUSER02', email: 'bob@example.com' }] });
    expect((await failure(ask('PT4KHL2'))).message).toMatch(/ticket PT4KHL2 is not assigned to alice/);
    pagerduty.incidents.set('PT4KHL3', { status: 'acknowledged', assignees: [{ id: 'PUSER02', email: 'bob@example.com' }, { id: 'PUSER01', email: 'alice' }] });
    expect((await ask('PT4KHL3')).grant.state).toBe('active');
  });

  it('a rate-limited or refusing API is 69 and says when to try again; the key is never shown', async () => {
    env = await testBroker(policy());
    pagerduty.incidents.set('PT4KHL4', { status: 'triggered' });
    pagerduty.rateLimited = true;
    const limited = await failure(ask('PT4KHL4'));
    expect(limited.exitCode).toBe(ExitCode.unavailable);
    expect(limited.message).toMatch(/PagerDuty at http:\/\/127\.0\.0\.1:\d+ is rate-limiting jit \(retry after 17s\)/);
    pagerduty.rateLimited = false;
    env.clock.now += 17_000;
    process.env.JIT_TEST_PAGERDUTY_KEY = 'not-the-key';
    try {
      const refused = await failure(ask('PT4KHL4'));
      expect(refused.message).toMatch(/refused jit's API key \(401\)/);
      expect(refused.message).not.toContain('not-the-key');
    } finally {
      process.env.JIT_TEST_PAGERDUTY_KEY = pagerduty.key;
    }
  });

  it.each([
    ['a path', 'PT4KHLK/../../users'],
    ['a query', 'PT4KHLK?include[]=x'],
    ['an encoded slash', 'PT4KHLK%2F'],
    ['a quote and OR', "PT4KHLK' OR '1'='1"],
    ['a caret', 'PT4KHLK^1'],
    ['a look-alike letter', 'Р\u0422\u0034KHLK'],
    ['lower case', 'pt4khlk'],
    ['10 kB', `P${'T'.repeat(10_000)}`],
  ])('refuses an id with %s (64) without asking PagerDuty', async (_what, ticket) => {
    env = await testBroker(policy());
    expect((await failure(ask(ticket))).exitCode).toBe(ExitCode.usage);
    expect(pagerduty.requests).toEqual([]);
  });

  it('an incident resolved while its grant lives ends the grant at the next re-check', async () => {
    env = await testBroker(policy());
    pagerduty.incidents.set('PT4KHL5', { status: 'acknowledged' });
    const { grant } = await ask('PT4KHL5');
    pagerduty.incidents.set('PT4KHL5', { status: 'resolved' });
    env.clock.now += 31_000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('revoked');
    expect((await env.store.events({ grantId: grant.id })).find((e) => e.type === 'grant.revoked')).toMatchObject({ actor: 'ticket:pagerduty', data: { reason: 'ticket_closed', ticketState: 'resolved' } });
  });

  it('a system rate-limiting jit is left alone for the time it gave: live grants and new requests alike ask nothing until then', async () => {
    env = await testBroker(policy());
    pagerduty.incidents.set('PT4KHL6', { status: 'acknowledged' });
    const { grant } = await ask('PT4KHL6');
    pagerduty.rateLimited = true;
    env.clock.now += 31_000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
    const asked = pagerduty.requests.length;
    // Within the 17 s PagerDuty asked for: the re-check retries and new requests send nothing.
    env.clock.now += 6000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
    const refused = await failure(ask('PT4KHL6'));
    expect(refused.exitCode).toBe(ExitCode.unavailable);
    expect(refused.message).toMatch(/^PagerDuty at http:\/\/127\.0\.0\.1:\d+ is rate-limiting jit \(retry after 11s\)$/);
    expect(pagerduty.requests).toHaveLength(asked);
    pagerduty.rateLimited = false;
    env.clock.now += 12_000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
    expect(pagerduty.requests).toHaveLength(asked + 1);
  });

  it('grants on one incident share a re-check made seconds apart, and a webhook’s look (made after it came); a request always asks afresh', async () => {
    env = await testBroker(policy());
    pagerduty.incidents.set('PT4KHL7', { status: 'acknowledged' });
    const first = (await ask('PT4KHL7')).grant;
    const second = (await ask('PT4KHL7')).grant;
    expect(pagerduty.requests).toHaveLength(2);
    env.clock.now += 31_000;
    expect((await env.broker.heartbeat(operator, first.id))?.state).toBe('active');
    env.clock.now += 2000;
    expect((await env.broker.heartbeat(operator, second.id))?.state).toBe('active');
    expect(pagerduty.requests).toHaveLength(3);
    pagerduty.incidents.set('PT4KHL7', { status: 'resolved' });
    expect(await env.broker.ticketsChanged('pagerduty', ['PT4KHL7'])).toBe(2);
    expect(pagerduty.requests).toHaveLength(4);
    expect((await env.broker.grant(operator, first.id))?.state).toBe('revoked');
    expect((await env.broker.grant(operator, second.id))?.state).toBe('revoked');
  });
});
