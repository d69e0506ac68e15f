// Tickets that are ServiceNow change requests and incidents, against a loopback Table API: the number
// reaches the query only as an exact value after a strict check, both "not found" answers are read alike,
// the state mapping is the documented default unless the policy changes it, and a closed change ends
// its grant at the next poll.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';
import { failure } from '../support/rejection.js';
import { startServicenow, type ServicenowDouble } from '../support/servicenow.js';

let servicenow: ServicenowDouble;
let env: TestBroker | undefined;

beforeAll(async () => {
  servicenow = await startServicenow();
  process.env.JIT_TEST_SERVICENOW_CREDENTIALS = servicenow.credentials;
});
afterAll(async () => {
  delete process.env.JIT_TEST_SERVICENOW_CREDENTIALS;
  await servicenow.close();
});
beforeEach(() => {
  servicenow.records.clear();
  servicenow.requests.length = 0;
  servicenow.unexpected.length = 0;
  servicenow.notFound = 'empty';
});
afterEach(() => {
  env?.remove();
  env = undefined;
});

const policy = (extra = '') => `roles:
  prod-db:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    ticket: { system: servicenow, instance: '${servicenow.instance}', credentials: env:JIT_TEST_SERVICENOW_CREDENTIALS, tables: [change_request, incident], recheck: 30s${extra} }
    issuer: { type: jwt }
`;
const ask = (ticket: string) => env!.broker.request(operator, { role: 'prod-db', ticket, owner: liveOwner() });
const implementing = { state: '-1', assignee: { user_name: 'alice', email: 'alice@example.com' } };

describe('tickets checked in ServiceNow', () => {
  it('issues for a change being implemented, asked for by exact number, and records that ServiceNow verified it', async () => {
    env = await testBroker(policy());
    servicenow.records.set('CHG0030001', implementing);
    expect((await ask('CHG0030001')).grant.state).toBe('active');
    expect(servicenow.requests).toEqual([
      'GET /api/now/table/change_request?sysparm_query=number%3DCHG0030001&sysparm_fields=number%2Cstate%2Cshort_description%2Csys_id%2Cassigned_to.user_name%2Cassigned_to.email&sysparm_limit=1&sysparm_exclude_reference_link=true',
    ]);
    expect(servicenow.unexpected).toEqual([]);
    expect((await env.store.events({ ticket: 'CHG0030001' }))[0]).toMatchObject({ data: { ticketVerified: true, ticketSystem: 'servicenow', ticketState: 'Implement' } });
  });

  it('asks the incident table for an INC number, and takes an incident in progress', async () => {
    env = await testBroker(policy());
    servicenow.records.set('INC0010002', { state: '2' });
    expect((await ask('INC0010002')).grant.state).toBe('active');
    expect(servicenow.requests[0]).toMatch(/^GET \/api\/now\/table\/incident\?sysparm_query=number%3DINC0010002&/);
  });

  it.each([
    ['scheduled, not yet implemented', { state: '-2' }, /ticket CHG0030003 is Scheduled \(open\); this role needs it in progress \(http:\/\/127\.0\.0\.1:\d+\/change_request\.do\?sys_id=9d385017c611228701d22104cc95c371\)/],
    ['closed', { state: '3' }, /ticket CHG0030003 is Closed \(done\)/],
    ['in a state the policy does not map', { state: '7' }, /ticket CHG0030003 is in state 7, which this role's policy does not map; add it under ticket\.states\.change_request/],
  ])('refuses a change that is %s: exit 65, nothing issued, a denied request in the audit', async (_what, record, reason) => {
    env = await testBroker(policy());
    servicenow.records.set('CHG0030003', record);
    const error = await failure(ask('CHG0030003'));
    expect(error.exitCode).toBe(ExitCode.ticketRejected);
    expect(error.message).toMatch(reason);
    expect(await env.store.listGrants()).toEqual([]);
    expect((await env.store.events({ ticket: 'CHG0030003' })).map((e) => [e.type, e.actor])).toEqual([
      ['request.created', 'user:alice@test-host'],
      ['request.denied', 'ticket:servicenow'],
    ]);
  });

  it.each(['empty', '404'] as const)('reads a missing number answered as %s as not found (65)', async (notFound) => {
    env = await testBroker(policy());
    servicenow.notFound = notFound;
    const error = await failure(ask('CHG0030004'));
    expect(error.exitCode).toBe(ExitCode.ticketRejected);
    expect(error.message).toMatch(/ticket CHG0030004 was not found, or jit's account may not see it/);
    expect(servicenow.unexpected).toEqual([]);
  });

  it('maps an instance’s own state values as the policy says', async () => {
    env = await testBroker(policy(", states: { change_request: { '7': in_progress, '-1': done } }"));
    servicenow.records.set('CHG0030005', { state: '7' });
    expect((await ask('CHG0030005')).grant.state).toBe('active');
    servicenow.records.set('CHG0030006', implementing);
    expect((await failure(ask('CHG0030006'))).message).toMatch(/ticket CHG0030006 is Implement \(done\)/);
  });

  it('checks the assignee by user name or email when the role says assignee: requester', async () => {
    env = await testBroker(policy(', assignee: requester'));
    servicenow.records.set('CHG0030007', { state: '-1', assignee: { user_name: 'bob', email: 'bob@example.com' } });
    expect((await failure(ask('CHG0030007'))).message).toMatch(/ticket CHG0030007 is not assigned to alice/);
    servicenow.records.set('CHG0030008', implementing);
    expect((await ask('CHG0030008')).grant.state).toBe('active');
  });

  it.each([
    ['a caret (AND in sysparm_query)', 'CHG0030001^ORnumberISNOTEMPTY'],
    ['a quote and OR', "CHG0030001' OR '1'='1"],
    ['a path', 'CHG0030001/../../sys_user'],
    ['an encoded slash', 'CHG0030001%2Fx'],
    ['a look-alike letter', '\u0421HG0030001'],
    ['10 kB', `CHG${'1'.repeat(10_000)}`],
    ['a table the role does not take', 'PRB0030001'],
    ['a lower-case prefix', 'chg0030001'],
  ])('refuses a number with %s (64) without asking ServiceNow', async (_what, ticket) => {
    env = await testBroker(policy());
    expect((await failure(ask(ticket))).exitCode).toBe(ExitCode.usage);
    expect(servicenow.requests).toEqual([]);
  });

  it('an instance that refuses jit’s credentials is 69, the password never shown', async () => {
    process.env.JIT_TEST_SERVICENOW_CREDENTIALS = 'jit.integration:wrong-password-value';
    try {
      env = await testBroker(policy());
      servicenow.records.set('CHG0030009', implementing);
      const error = await failure(ask('CHG0030009'));
      expect(error.exitCode).toBe(ExitCode.unavailable);
      expect(error.message).toMatch(/ServiceNow at http:\/\/127\.0\.0\.1:\d+ refused jit's credentials \(401\)/);
      expect(JSON.stringify(await env.store.events({ ticket: 'CHG0030009' }))).not.toContain('wrong-password-value');
    } finally {
      process.env.JIT_TEST_SERVICENOW_CREDENTIALS = servicenow.credentials;
    }
  });

  it('a change closed while its grant lives ends the grant at the next poll', async () => {
    env = await testBroker(policy());
    servicenow.records.set('CHG0030010', implementing);
    const { grant } = await ask('CHG0030010');
    servicenow.records.set('CHG0030010', { ...implementing, state: '3' });
    env.clock.now += 10_000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('active');
    env.clock.now += 21_000;
    expect((await env.broker.heartbeat(operator, grant.id))?.state).toBe('revoked');
    const revoked = (await env.store.events({ grantId: grant.id })).find((e) => e.type === 'grant.revoked');
    expect(revoked).toMatchObject({ actor: 'ticket:servicenow', data: { reason: 'ticket_closed', ticketState: 'Closed' } });
  });
});

describe('a ServiceNow policy', () => {
  it.each([
    ['no tables', 'tables: []', /tables/],
    ['a state value that is not one', "tables: [incident], states: { incident: { 'x': done } }", /must be a state value/],
    ['an instance with a path', "tables: [incident], instance: 'https://acme.service-now.com/now'", /must be the instance’s https:\/\/ address/],
  ])('refuses %s at load', async (_what, settings, message) => {
    const text = policy().replace(/tables: \[change_request, incident\]/, settings);
    const error = await failure(testBroker(settings.includes('instance:') ? text.replace(`instance: '${servicenow.instance}', `, '') : text));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toMatch(message);
  });
});
