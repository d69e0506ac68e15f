// Approvals on the broker: a role that needs them leaves its requests pending (exit 75, the request's
// id given back); distinct approvers the role names say yes, never the requester; the request is
// approved exactly once however many approvals arrive together, and gives one grant, to its requester,
// once; a denial or the pending time running out ends it; every step is in the audit with who took it.
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, JitError } from '../../src/core/errors.js';
import type { Operator } from '../../src/platform/operator.js';
import { liveOwner, operator as alice, testBroker, type TestBroker } from '../support/broker.js';
import { startJira } from '../support/jira.js';
import { failure } from '../support/rejection.js';

const person = (name: string, groups: string[]): Operator => ({ name, host: 'test-host', tty: null, groups: () => groups });
const bob = person('bob', ['dba']);
const carol = person('carol', ['dba']);
const dave = person('dave', ['dba']);
const mallory = person('mallory', ['sre']);

const POLICY = `roles:
  prod-db:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    issuer: { type: jwt }
`;
const approvals = (required: number, pendingSeconds = 3600) => ({ 'prod-db': { required, approvers: ['group:dba'], pendingSeconds } });

let env: TestBroker | undefined;
afterEach(() => {
  env?.remove();
  env = undefined;
});

/** Asks for prod-db as alice; returns the id of the request left pending. */
async function pendingRequest(): Promise<string> {
  const error = await failure(env!.broker.request(alice, { role: 'prod-db', ticket: 'OPS-7', reason: 'rotate the orders password', owner: liveOwner() }));
  expect(error.exitCode).toBe(ExitCode.temporary);
  expect(error.requestId).toMatch(/^r_[0-9a-z]{26}$/);
  return error.requestId!;
}

describe('approvals', () => {
  it('leaves a request pending (75) with its id, issues nothing, and records that it waits', async () => {
    env = await testBroker(POLICY, { approvals: approvals(2) });
    const id = await pendingRequest();
    expect(await env.store.listGrants()).toEqual([]);
    expect((await env.store.events({})).map((e) => [e.type, e.actor, e.requestId])).toEqual([
      ['request.created', 'user:alice@test-host', id],
      ['request.pending', 'policy', id],
    ]);
    expect(await env.broker.requests(bob)).toEqual([expect.objectContaining({ id, role: 'prod-db', ticket: 'OPS-7', requester: 'alice', state: 'pending', approvers: [], required: 2, reason: 'rotate the orders password' })]);
  });

  it('needs distinct approvers the role names: never the requester under any spelling, never someone outside the role’s approvers, never twice the same', async () => {
    env = await testBroker(POLICY, { approvals: approvals(2) });
    const id = await pendingRequest();
    for (const [who, code] of [[alice, ExitCode.denied], [person('ALICE', ['dba']), ExitCode.denied], [mallory, ExitCode.denied]] as const) {
      expect((await failure(env.broker.approve(who, id))).exitCode).toBe(code);
    }
    expect(await env.broker.approve(bob, id, 'looked at the change')).toMatchObject({ state: 'pending', approvers: ['bob'] });
    expect((await failure(env.broker.approve(bob, id))).message).toBe(`you already approved request ${id}`);
    expect((await failure(env.broker.claim(alice, id, { owner: liveOwner() }))).exitCode).toBe(ExitCode.temporary);
    expect(await env.broker.approve(carol, id)).toMatchObject({ state: 'approved', approvers: ['bob', 'carol'] });
    const approved = (await env.store.events({})).filter((e) => e.requestId === id).map((e) => [e.type, e.actor]);
    expect(approved.slice(2)).toEqual([
      ['request.approval', 'user:bob@test-host'],
      ['request.approval', 'user:carol@test-host'],
      ['request.approved', 'user:carol@test-host'],
    ]);
  });

  it('gives one grant, to its requester, once', async () => {
    env = await testBroker(POLICY, { approvals: approvals(1) });
    const id = await pendingRequest();
    await env.broker.approve(bob, id);
    expect((await failure(env.broker.claim(bob, id, { owner: liveOwner() }))).exitCode).toBe(ExitCode.usage);
    // SECURITY: ownership is the exact name: another account spelled ALICE is not alice.
    expect((await failure(env.broker.claim(person('ALICE', ['sre']), id, { owner: liveOwner() }))).message).toBe(`there is no request ${JSON.stringify(id)} of yours`);
    const { grant } = await env.broker.claim(alice, id, { owner: liveOwner() });
    expect(grant).toMatchObject({ state: 'active', role: 'prod-db', ticket: 'OPS-7', requester: 'alice' });
    expect((await failure(env.broker.claim(alice, id, { owner: liveOwner() }))).message).toBe(`request ${id} was already used for a grant`);
    expect((await env.store.listGrants()).map((g) => g.requestId)).toEqual([id]);
  });

  it('approvals arriving together approve the request exactly once; claims together give one grant', async () => {
    env = await testBroker(POLICY, { approvals: approvals(2) });
    const id = await pendingRequest();
    await Promise.all([bob, carol, dave].map((who) => env!.broker.approve(who, id).catch((error: unknown) => error)));
    expect((await env.store.events({})).filter((e) => e.type === 'request.approved')).toHaveLength(1);
    const claims = await Promise.all([1, 2, 3].map(() => env!.broker.claim(alice, id, { owner: liveOwner() }).then(() => 'granted', (error: unknown) => error)));
    expect(claims.filter((outcome) => outcome === 'granted')).toHaveLength(1);
    expect(await env.store.listGrants({ states: ['active'] })).toHaveLength(1);
  });

  it('a denial says why and ends the request; nothing is approved or claimed after it', async () => {
    env = await testBroker(POLICY, { approvals: approvals(1) });
    const id = await pendingRequest();
    expect((await failure(env.broker.deny(bob, id, ''))).exitCode).toBe(ExitCode.usage);
    expect(await env.broker.deny(bob, id, 'not during the freeze')).toMatchObject({ state: 'denied' });
    expect((await failure(env.broker.approve(carol, id))).message).toBe(`request ${id} is denied, not pending`);
    expect((await failure(env.broker.claim(alice, id, { owner: liveOwner() }))).message).toBe(`request ${id} was denied`);
    expect((await env.store.events({})).find((e) => e.type === 'request.denied')).toMatchObject({ actor: 'user:bob@test-host', data: { reason: 'not during the freeze' } });
  });

  it('a request that waited past its pending time expires, once, on the record', async () => {
    env = await testBroker(POLICY, { approvals: approvals(1, 600) });
    const id = await pendingRequest();
    env.clock.now += 601_000;
    expect(await env.broker.requests(bob, { pending: true })).toEqual([]);
    expect(await env.broker.requests(bob)).toEqual([expect.objectContaining({ id, state: 'expired' })]);
    expect((await failure(env.broker.approve(bob, id))).message).toBe(`request ${id} is expired, not pending`);
    expect((await failure(env.broker.claim(alice, id, { owner: liveOwner() }))).message).toBe(`request ${id} was expired`);
    expect((await env.store.events({})).filter((e) => e.type === 'request.expired')).toEqual([expect.objectContaining({ actor: 'broker', requestId: id })]);
  });

  it('counts one person once however their name is spelled; to a non-approver a request is as absent as an unknown one', async () => {
    env = await testBroker(POLICY, { approvals: approvals(2) });
    const id = await pendingRequest();
    await env.broker.approve(bob, id);
    expect(await env.broker.approve(person('BOB', ['dba']), id)).toMatchObject({ state: 'pending' });
    const stranger = await failure(env.broker.approve(mallory, id));
    const unknown = await failure(env.broker.approve(mallory, 'r_00000000000000000000000000'));
    expect(stranger.message).toBe(`there is no request ${JSON.stringify(id)} you may decide`);
    expect([stranger.exitCode, unknown.exitCode]).toEqual([ExitCode.denied, ExitCode.denied]);
    expect(unknown.message).toBe('there is no request "r_00000000000000000000000000" you may decide');
  });

  it('picking up is a fresh decision: the role\'s nesting rule applies, and an approval lapses unused', async () => {
    env = await testBroker(POLICY, { approvals: approvals(1, 600) });
    const id = await pendingRequest();
    await env.broker.approve(bob, id);
    const nested = await failure(env.broker.claim(alice, id, { owner: liveOwner(), parentSession: 'g_00000000000000000000000000' }));
    expect(nested).toMatchObject({ exitCode: ExitCode.denied, message: `request ${id} can no longer be used: already inside jit session g_00000000000000000000000000, and prod-db does not allow nesting` });
    env.clock.now += 1201_000;
    expect(await failure(env.broker.claim(alice, id, { owner: liveOwner() }))).toMatchObject({ exitCode: ExitCode.denied, message: `the approval of request ${id} lapsed unused` });
    expect(await env.store.listGrants()).toEqual([]);
  });

  it('shows each person what they may decide, and their own', async () => {
    env = await testBroker(POLICY, { approvals: approvals(1) });
    const id = await pendingRequest();
    expect((await env.broker.requests(alice)).map((r) => r.id)).toEqual([id]);
    expect((await env.broker.requests(bob)).map((r) => r.id)).toEqual([id]);
    expect(await env.broker.requests(mallory)).toEqual([]);
  });

  it('keeps a pending error a JitError the CLI can act on', async () => {
    env = await testBroker(POLICY, { approvals: approvals(1) });
    const error = await env.broker.request(alice, { role: 'prod-db', ticket: 'OPS-8', owner: liveOwner() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JitError);
    expect((error as JitError).hint).toMatch(/^an approver runs `jit approve r_/);
  });

  it('looks at the ticket when an approver approves and when the grant is picked up: a closed ticket is approved or used by nobody (65)', async () => {
    const jira = await startJira();
    process.env.JIT_TEST_APPROVALS_JIRA = jira.credentials;
    try {
      env = await testBroker(POLICY.replace("requesters: ['*']", `requesters: ['*']\n    ticket: { system: jira, site: '${jira.site}', credentials: env:JIT_TEST_APPROVALS_JIRA, projects: [OPS], allowed: [in_progress] }`), { approvals: approvals(1) });
      const inProgress = { status: { name: 'In Progress', category: 'indeterminate' as const } };
      jira.issues.set('OPS-7', inProgress);
      const id = await pendingRequest();
      jira.issues.set('OPS-7', { status: { name: 'Done', category: 'done' } });
      expect((await failure(env.broker.approve(bob, id))).exitCode).toBe(ExitCode.ticketRejected);
      jira.issues.set('OPS-7', inProgress);
      await env.broker.approve(bob, id);
      jira.issues.set('OPS-7', { status: { name: 'Done', category: 'done' } });
      const refused = await failure(env.broker.claim(alice, id, { owner: liveOwner() }));
      expect(refused.exitCode).toBe(ExitCode.ticketRejected);
      expect(refused.message).toMatch(/^request r_\w+ can no longer be used: ticket OPS-7 is Done \(done\)/);
      expect(await env.store.listGrants()).toEqual([]);
    } finally {
      delete process.env.JIT_TEST_APPROVALS_JIRA;
      await jira.close();
    }
  });
});
