// Every state change is compare-and-set on the expected state: two brokers (two jit processes, or
// two replicas) acting on one grant at once end it once, revoke it once, and never resurrect it.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
  const store = await SqliteStore.open(join(t.dir, 'jit.db'), { stateDir: t.dir, now: () => new Date(t.clock.now) });
  extra.push(store);
  return new Broker({ policy: defaultPolicy, store, stateDir: t.dir, operator, now: () => t.clock.now });
}

describe('compare-and-set', () => {
  it('two sweeps of the same orphan end it once: one grant.revoked, one revocation.verified', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request({ role: 'demo', ticket: 'OPS-1', owner: { pid: 2 ** 22 + 1, startTime: '1' } });
    const other = await secondBroker(env);
    const [first, second] = await Promise.all([env.broker.sweep(), other.sweep()]);
    expect([...first, ...second].map((g) => g.id)).toEqual([grant.id]);
    const types = (await env.store.events({ grantId: grant.id })).map((e) => e.type);
    expect(types.filter((t) => t === 'grant.revoked')).toHaveLength(1);
    expect(types.filter((t) => t === 'revocation.verified')).toHaveLength(1);
    expect((await env.broker.verifyAudit()).ok).toBe(true);
  });

  it('revoking a grant that another process already ended changes nothing and writes no event', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request({ role: 'demo', ticket: 'OPS-1', owner: { pid: process.pid, startTime: null } });
    const other = await secondBroker(env);
    await Promise.all([env.broker.revoke(grant.id, 'operator'), other.revoke(grant.id, 'exit')]);
    const types = (await env.store.events({ grantId: grant.id })).map((e) => e.type);
    expect(types.filter((t) => t === 'grant.revoked')).toHaveLength(1);
    expect(types.filter((t) => t === 'revocation.verified')).toHaveLength(1);
  });

  it('the store refuses an update the lifecycle does not have, or one that does not say what it expects', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request({ role: 'demo', ticket: 'OPS-1', owner: { pid: process.pid, startTime: null } });
    const event = { type: 'grant.issued', actor: 'test' } as const;
    await expect(env.store.commit({ updateGrant: { id: grant.id, expect: { state: 'revoked' }, patch: { state: 'active' } }, events: [event] })).rejects.toThrow('grant cannot go from revoked to active');
    await expect(env.store.commit({ updateGrant: { id: grant.id, expect: {}, patch: { state: 'revoked' } }, events: [event] })).rejects.toThrow('must name the state it expects');
    expect((await env.store.getGrant(grant.id))!.state).toBe('active');
  });
});
