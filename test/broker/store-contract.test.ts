// The contract every store keeps, run against each store jit has (SQLite now; PostgreSQL joins the
// list when it lands): atomic changes sealed with a checkpoint, compare-and-set, the lifecycle, leases.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stateDirKeys } from '../../src/broker/key-provider.js';
import type { GrantRecord, RequestRecord } from '../../src/broker/records.js';
import { PostgresStore } from '../../src/broker/store/postgres.js';
import { SqliteStore } from '../../src/broker/store/sqlite.js';
import type { Store } from '../../src/broker/store/store.js';
import { postgresBin, startPostgres, type Postgres } from '../support/postgres.js';

interface StoreUnderTest {
  store: Store;
  /** A second connection to the same data, as another process or replica would have. */
  other(): Promise<Store>;
  remove(): Promise<void>;
}

let server: Postgres | undefined;
let databases = 0;
// One PostgreSQL server for the file; each test gets a fresh database on it.
beforeAll(async () => {
  if (postgresBin()) server = await startPostgres();
}, 60_000);
afterAll(async () => server?.stop());

const factories: { name: string; open(): Promise<StoreUnderTest> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'jit-store-'));
      const open = () => SqliteStore.open(join(dir, 'jit.db'), { stateDir: dir, keys: stateDirKeys(dir) });
      const opened: Store[] = [open()];
      return {
        store: opened[0]!,
        other: async () => {
          const store = open();
          opened.push(store);
          return store;
        },
        remove: async () => {
          await Promise.all(opened.map((store) => store.close()));
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      if (!server) throw new Error('PostgreSQL is not installed here: scripts/test.sh installs it (apt-get install postgresql)');
      const admin = new PostgresAdmin(server.url);
      const url = await admin.createDatabase(`jit_contract_${process.pid}_${++databases}`);
      const dir = mkdtempSync(join(tmpdir(), 'jit-store-'));
      const open = () => PostgresStore.open({ url, keys: stateDirKeys(dir), anchorDir: dir });
      const opened: Store[] = [await open()];
      return {
        store: opened[0]!,
        other: async () => {
          const store = await open();
          opened.push(store);
          return store;
        },
        remove: async () => {
          await Promise.all(opened.map((store) => store.close()));
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

/** Creates databases on the test server, as its superuser. */
class PostgresAdmin {
  constructor(private readonly url: string) {}
  async createDatabase(name: string): Promise<string> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.url.replace(/\/postgres$/, `/${name}`);
  }
}

const request = (id: string): RequestRecord => ({ id, role: 'demo', ticket: 'OPS-1', ticketVerified: false, requester: 'alice', reason: null, ttlSeconds: 60, state: 'approved', createdAtMs: 1, pendingUntilMs: null, renewsGrant: null });
const grant = (id: string, requestId: string, issuedAtMs = 1000): GrantRecord => ({
  id, requestId, role: 'demo', ticket: 'OPS-1', requester: 'alice', issuerType: 'jwt', issuerConfig: '{}', state: 'issuing',
  issuedAtMs, expiresAtMs: issuedAtMs + 60_000, ownerHost: 'h', ownerPid: 1, ownerStartTime: null, lastHeartbeatAtMs: issuedAtMs, handle: null,
  revokeReason: null, revocation: null, revocationAttempts: 0, nextAttemptAtMs: null, revocationLeaseUntilMs: null, verifyNotBeforeMs: null, endedAtMs: null,
  breakGlass: false, reviewedBy: null, reviewedAtMs: null,
});
const event = (type: 'grant.issuing' | 'grant.issued' | 'grant.revoked', grantId?: string) => ({ type, actor: 'test', ...(grantId ? { grantId } : {}) });

describe.each(factories)('store contract: $name', ({ open }) => {
  let under: StoreUnderTest | undefined;
  afterEach(async () => {
    await under?.remove();
    under = undefined;
  });

  async function withGrant(id = 'g_1'): Promise<Store> {
    under = await open();
    await under.store.commit({ insertRequest: request(`r_${id}`), insertGrant: grant(id, `r_${id}`), events: [event('grant.issuing', id)] });
    return under.store;
  }

  it('commits rows and events together, and seals them with a checkpoint over the new head', async () => {
    const store = await withGrant();
    const sealed = await store.commit({ updateGrant: { id: 'g_1', expect: { state: 'issuing' }, patch: { state: 'active' } }, events: [event('grant.issued', 'g_1'), event('grant.issued', 'g_1')] });
    expect(sealed!.map((e) => e.seq)).toEqual([2, 3]);
    expect(sealed![1]!.prevHash).toBe(sealed![0]!.hash);
    const snapshot = await store.auditSnapshot();
    expect(snapshot.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(snapshot.checkpoints.at(-1)!.seq).toBe(3);
    expect(await store.auditProblem()).toBeUndefined();
  });

  it('reads the audit a page at a time: events after a position, the checkpoints among them, and the head', async () => {
    const store = await withGrant();
    await store.commit({ events: [event('grant.issued', 'g_1'), event('grant.issued', 'g_1')] });
    await store.commit({ events: [event('grant.revoked', 'g_1')] });
    const page = await store.auditPage(1, 2);
    expect(page.events.map((e) => e.seq)).toEqual([2, 3]);
    // Checkpoints were signed at 1, 3 and 4: only the one within the page comes with it.
    expect(page.checkpoints.map((c) => c.seq)).toEqual([3]);
    expect(page.head).toEqual({ seq: 4, hash: (await store.events()).at(-1)!.hash });
    expect(page.verifier?.publicJwk.kid).toEqual(expect.any(String));
    expect((await store.auditPage(4, 2)).events).toEqual([]);
  });

  it('an update whose expectation no longer holds writes nothing: no row change, no event', async () => {
    const store = await withGrant();
    const result = await store.commit({ updateGrant: { id: 'g_1', expect: { state: 'active' }, patch: { state: 'revoked' } }, events: [event('grant.revoked', 'g_1')] });
    expect(result).toBeUndefined();
    expect((await store.getGrant('g_1'))!.state).toBe('issuing');
    expect((await store.events()).map((e) => e.type)).toEqual(['grant.issuing']);
  });

  it('of two connections changing one grant from the same state, exactly one wins', async () => {
    const store = await withGrant();
    const other = await under!.other();
    const change = (s: Store) => s.commit({ updateGrant: { id: 'g_1', expect: { state: ['issuing', 'active'] }, patch: { state: 'revoked', revocation: 'pending' } }, events: [event('grant.revoked', 'g_1')] });
    const results = await Promise.all([change(store), change(other)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.events({ grantId: 'g_1' })).filter((e) => e.type === 'grant.revoked')).toHaveLength(1);
  });

  it('of two renewals of one grant from the same end, exactly one moves it; a renewal request keeps the grant it renews', async () => {
    const store = await withGrant();
    const other = await under!.other();
    const { expiresAtMs } = (await store.getGrant('g_1'))!;
    const extend = (s: Store, by: number) => s.commit({ updateGrant: { id: 'g_1', expect: { state: 'issuing', expiresAtMs }, patch: { expiresAtMs: expiresAtMs + by } }, events: [event('grant.issued', 'g_1')] });
    const results = await Promise.all([extend(store, 1000), extend(other, 2000)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect([expiresAtMs + 1000, expiresAtMs + 2000]).toContain((await store.getGrant('g_1'))!.expiresAtMs);
    await store.commit({ insertRequest: { ...request('r_renew'), renewsGrant: 'g_1' }, events: [{ type: 'request.created', actor: 'test', requestId: 'r_renew' }] });
    expect((await other.getRequest('r_renew'))!.renewsGrant).toBe('g_1');
  });

  it('keeps a pending request and decides it once: of two connections approving it, exactly one wins, and a decided request stays decided', async () => {
    under = await open();
    const store = under.store;
    await store.commit({ insertRequest: { ...request('r_p'), state: 'pending', pendingUntilMs: 5000 }, events: [{ type: 'request.created', actor: 'test', requestId: 'r_p' }] });
    expect(await store.getRequest('r_p')).toEqual({ ...request('r_p'), state: 'pending', pendingUntilMs: 5000 });
    expect((await store.listRequests({ states: ['pending'] })).map((r) => r.id)).toEqual(['r_p']);
    const other = await under.other();
    const approve = (s: Store) => s.commit({ updateRequest: { id: 'r_p', expect: { state: 'pending' }, patch: { state: 'approved' } }, events: [{ type: 'request.approved', actor: 'test', requestId: 'r_p' }] });
    expect((await Promise.all([approve(store), approve(other)])).filter(Boolean)).toHaveLength(1);
    expect((await store.getRequest('r_p'))!.state).toBe('approved');
    expect(await store.commit({ updateRequest: { id: 'r_p', expect: { state: 'pending' }, patch: { state: 'denied' } }, events: [{ type: 'request.denied', actor: 'test', requestId: 'r_p' }] })).toBeUndefined();
    await expect(store.commit({ updateRequest: { id: 'r_p', expect: { state: 'approved' }, patch: { state: 'pending' } }, events: [{ type: 'request.created', actor: 'test' }] })).rejects.toThrow('cannot go from approved to pending');
    expect((await store.events()).map((e) => e.type)).toEqual(['request.created', 'request.approved']);
    expect(await store.listRequests({ states: ['pending'] })).toEqual([]);
  });

  it('lists the requests that waited for approvals since a time, apart from those decided at once', async () => {
    under = await open();
    const store = under.store;
    const at = (id: string, createdAtMs: number, pendingUntilMs: number | null) =>
      store.commit({ insertRequest: { ...request(id), createdAtMs, state: pendingUntilMs === null ? 'approved' : 'pending', pendingUntilMs }, events: [{ type: 'request.created', actor: 'test', requestId: id }] });
    await at('r_old', 1000, 9000);
    await at('r_at_once', 2000, null);
    await at('r_new', 3000, 9000);
    expect((await store.listRequests({ awaitedApprovals: true })).map((r) => r.id)).toEqual(['r_old', 'r_new']);
    expect((await store.listRequests({ awaitedApprovals: true, createdSinceMs: 2000 })).map((r) => r.id)).toEqual(['r_new']);
    expect((await store.listRequests({ createdSinceMs: 2000 })).map((r) => r.id)).toEqual(['r_at_once', 'r_new']);
  });

  it('takes one approval per approver and request; a second one writes nothing, nor what came with it', async () => {
    under = await open();
    const store = under.store;
    await store.commit({ insertRequest: { ...request('r_a'), state: 'pending', pendingUntilMs: 5000 }, events: [{ type: 'request.created', actor: 'test', requestId: 'r_a' }] });
    const approval = (approver: string, atMs: number) => ({ requestId: 'r_a', approver, atMs, reason: `${approver} agrees` });
    expect(await store.commit({ insertApproval: approval('bob', 10), events: [{ type: 'request.approved', actor: 'user:bob', requestId: 'r_a' }] })).toHaveLength(1);
    // The repeat comes with the request's decision: neither is written.
    const again = await store.commit({ insertApproval: approval('bob', 20), updateRequest: { id: 'r_a', expect: { state: 'pending' }, patch: { state: 'approved' } }, events: [{ type: 'request.approved', actor: 'user:bob', requestId: 'r_a' }] });
    expect(again).toBeUndefined();
    expect((await store.getRequest('r_a'))!.state).toBe('pending');
    expect(await store.commit({ insertApproval: approval('carol', 30), events: [{ type: 'request.approved', actor: 'user:carol', requestId: 'r_a' }] })).toHaveLength(1);
    expect(await store.approvals('r_a')).toEqual([approval('bob', 10), approval('carol', 30)]);
    expect((await store.events()).map((e) => e.actor)).toEqual(['test', 'user:bob', 'user:carol']);
  });

  it('allows one grant per request, however many processes issue on it', async () => {
    const store = await withGrant('g_1');
    await expect(store.commit({ insertGrant: grant('g_2', 'r_g_1'), events: [event('grant.issuing', 'g_2')] })).rejects.toThrow();
    expect((await store.listGrants()).map((g) => g.id)).toEqual(['g_1']);
  });

  it('refuses an update the lifecycle does not have', async () => {
    const store = await withGrant();
    await expect(store.commit({ updateGrant: { id: 'g_1', expect: { state: 'issuing' }, patch: { state: 'expired' } }, events: [event('grant.revoked', 'g_1')] })).rejects.toThrow('cannot go from issuing to expired');
  });

  it('a revocation attempt is leased to one connection until the lease ends, and only while nothing changed', async () => {
    const store = await withGrant();
    await store.commit({ updateGrant: { id: 'g_1', expect: { state: 'issuing' }, patch: { state: 'revoked', revocation: 'pending' } }, events: [event('grant.revoked', 'g_1')] });
    const other = await under!.other();
    const before = { revocationAttempts: 0, handle: null };
    expect(await store.claimRevocation('g_1', before, 1000, 2000)).toBe(true);
    expect(await other.claimRevocation('g_1', before, 1500, 2500)).toBe(false);
    expect(await other.claimRevocation('g_1', before, 2000, 3000)).toBe(true);
    expect(await store.claimRevocation('g_1', { revocationAttempts: 1, handle: null }, 9000, 9999)).toBe(false);
  });

  it('records heartbeats of live grants only', async () => {
    const store = await withGrant();
    await store.touchGrant('g_1', 5000);
    expect((await store.getGrant('g_1'))!.lastHeartbeatAtMs).toBe(5000);
    await store.commit({ updateGrant: { id: 'g_1', expect: { state: 'issuing' }, patch: { state: 'revoked' } }, events: [event('grant.revoked', 'g_1')] });
    await store.touchGrant('g_1', 9000);
    expect((await store.getGrant('g_1'))!.lastHeartbeatAtMs).toBe(5000);
  });

  it('lists grants by state and requester in issue order, and events by grant, ticket and position', async () => {
    const store = await withGrant('g_2');
    await store.commit({ insertRequest: request('r_g_1'), insertGrant: { ...grant('g_1', 'r_g_1', 500), requester: 'bob' }, events: [event('grant.issuing', 'g_1')] });
    expect((await store.listGrants()).map((g) => g.id)).toEqual(['g_1', 'g_2']);
    expect((await store.listGrants({ requester: 'alice', states: ['issuing'] })).map((g) => g.id)).toEqual(['g_2']);
    expect((await store.events({ grantId: 'g_1' })).map((e) => e.seq)).toEqual([2]);
    expect((await store.events({ afterSeq: 1 })).map((e) => e.seq)).toEqual([2]);
    expect(await store.events({ ticket: 'NOPE-1' })).toEqual([]);
  });

  it('keeps the jwt deny list, idempotently', async () => {
    under = await open();
    await under.store.revokeToken('g_9', 1);
    await under.store.revokeToken('g_9', 1);
    expect(await under.store.isTokenRevoked('g_9')).toBe(true);
    expect(await under.store.isTokenRevoked('g_8')).toBe(false);
  });
});
