// Every state change is compare-and-set on the expected state: two brokers (two jit processes, or
// two replicas) acting on one grant at once end it once, revoke it once, and never resurrect it.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stateDirKeys } from '../../src/broker/key-provider.js';
import { Broker } from '../../src/broker/service.js';
import { SqliteStore } from '../../src/broker/store/sqlite.js';
import { defaultPolicy } from '../../src/broker/policy/default.js';
import { operator, testBroker, type TestBroker } from '../support/broker.js';

let env: TestBroker;
const extra: SqliteStore[] = [];
afterEach(() => {
  extra.splice(0).forEach((store) => store.close());
  env?.remove();
});

/** A second broker on the same database and state dir, as a second jit process would open it. */
async function secondBroker(t: TestBroker): Promise<Broker> {
  const keys = stateDirKeys(t.dir);
  const store = await SqliteStore.open(join(t.dir, 'jit.db'), { stateDir: t.dir, keys, now: () => new Date(t.clock.now) });
  extra.push(store);
  return new Broker({ policy: defaultPolicy, store, keys, host: operator.host, now: () => t.clock.now });
}

describe('compare-and-set', () => {
  it('two sweeps of the same orphan end it once: one grant.revoked, one revocation.verified', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: { pid: 2 ** 22 + 1, startTime: '1' } });
    const other = await secondBroker(env);
    const [first, second] = await Promise.all([env.broker.sweep(), other.sweep()]);
    // One ends it and the other may make its revocation attempt: each reports what it did.
    expect(new Set([...first, ...second].map((g) => g.id))).toEqual(new Set([grant.id]));
    const types = (await env.store.events({ grantId: grant.id })).map((e) => e.type);
    expect(types.filter((t) => t === 'grant.revoked')).toHaveLength(1);
    expect(types.filter((t) => t === 'revocation.verified')).toHaveLength(1);
    expect((await env.broker.verifyAudit()).ok).toBe(true);
  });

  it('revoking a grant that another process already ended changes nothing and writes no event', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: { pid: process.pid, startTime: null } });
    const other = await secondBroker(env);
    await Promise.all([env.broker.revoke(operator, grant.id, 'operator'), other.revoke(operator, grant.id, 'exit')]);
    const types = (await env.store.events({ grantId: grant.id })).map((e) => e.type);
    expect(types.filter((t) => t === 'grant.revoked')).toHaveLength(1);
    expect(types.filter((t) => t === 'revocation.verified')).toHaveLength(1);
  });

  it('the store refuses an update the lifecycle does not have, or one that does not say what it expects', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: { pid: process.pid, startTime: null } });
    const event = { type: 'grant.issued', actor: 'test' } as const;
    await expect(env.store.commit({ updateGrant: { id: grant.id, expect: { state: 'revoked' }, patch: { state: 'active' } }, events: [event] })).rejects.toThrow('grant cannot go from revoked to active');
    await expect(env.store.commit({ updateGrant: { id: grant.id, expect: {}, patch: { state: 'revoked' } }, events: [event] })).rejects.toThrow('must name the state it expects');
    expect((await env.store.getGrant(grant.id))!.state).toBe('active');
  });
});

describe('the caller', () => {
  it('acts on its own grants only: another user cannot see, heartbeat, record on or revoke them', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: { pid: process.pid, startTime: null } });
    const mallory = { ...operator, name: 'mallory' };
    expect(await env.broker.grant(mallory, grant.id)).toBeUndefined();
    expect(await env.broker.grants(mallory, { live: true })).toEqual([]);
    expect(await env.broker.heartbeat(mallory, grant.id)).toBeUndefined();
    await expect(env.broker.revoke(mallory, grant.id, 'operator')).rejects.toThrow('there is no grant');
    await expect(env.broker.recordSession(mallory, grant.id, 'session.started', {})).rejects.toThrow('there is no grant');
    expect((await env.broker.grant(operator, grant.id))!.state).toBe('active');
  });

  it('hands out plain data: no issuer settings, handles or retry counters leave the broker', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: { pid: process.pid, startTime: null } });
    expect(Object.keys(grant).sort()).toEqual(['expiresAt', 'id', 'issuedAt', 'owner', 'requester', 'revocation', 'revokeReason', 'role', 'state', 'ticket']);
    expect(JSON.parse(JSON.stringify(grant))).toEqual(grant);
  });
});
