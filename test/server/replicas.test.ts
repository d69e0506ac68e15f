// Two `jit serve` processes on one PostgreSQL, as a team runs them behind a load balancer: requests,
// revocations and heartbeats spread over both, and still every grant is issued once, ended once and
// revoked once, and the audit is one unbroken chain. A replica without the team's keys issues nothing.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateDirKeys } from '../../src/broker/key-provider.js';
import { verifyChain } from '../../src/broker/audit/verify.js';
import { PostgresStore } from '../../src/broker/store/postgres.js';
import { startOidcProvider, type OidcProvider } from '../support/oidc.js';
import { postgresBin, startPostgres, type Postgres } from '../support/postgres.js';
import { brokerFiles, callBroker, serve, type BrokerFiles, type ServedBroker } from '../support/served.js';
import { until } from '../support/waits.js';

const AUDIENCE = 'https://jit.test/broker';
const POLICY = `roles:
  demo:
    ttl: { default: 5m, max: 1h }
    requesters: ['*']
    issuer: { type: jwt }
    heartbeat: { interval: 1s, timeout: 2s }
`;

let provider: OidcProvider;
let postgres: Postgres | undefined;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  provider = await startOidcProvider({ audience: AUDIENCE, users: { alice: ['sre'] } });
  if (postgresBin()) postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await postgres?.stop();
  await provider.close();
});

function files(): BrokerFiles {
  // One test operator does the work of a team here: the per-operator limit is raised to match.
  const made = brokerFiles(POLICY, `listen: 127.0.0.1:0\nstore: ${postgres!.url}\nrateLimit: { perSecond: 1000, burst: 1000 }\noidc:\n  issuer: ${provider.issuer}\n  audience: ${AUDIENCE}\n  algorithms: [ES256]\n  clients: [alice]\n`);
  cleanups.push(() => made.box.remove());
  return made;
}

async function started(made: BrokerFiles): Promise<ServedBroker> {
  const broker = await serve(made);
  cleanups.push(() => broker.child.kill('SIGKILL'));
  return broker;
}

const call = async (broker: ServedBroker, method: string, path: string, body?: unknown) => callBroker(broker.url, await provider.token('alice'), method, path, body);

const owner = { pid: 4242, startTime: '1' };

describe('two jit serve on one PostgreSQL', () => {
  it('share the work without issuing, ending or revoking anything twice, on one audit chain; one without the team\'s keys issues nothing', async (context) => {
    if (!postgres) return context.skip('PostgreSQL is not installed here: scripts/test.sh installs it (apt-get install postgresql)');
    const first = files();
    const a = await started(first);
    // The team's keys, copied from the first broker's state dir as the README says.
    const second = files();
    cpSync(join(first.stateDir, 'keys'), join(second.stateDir, 'keys'), { recursive: true });
    const b = await started(second);
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);

    // Requests over both at once; each grant revoked through the other replica, also at once.
    const brokers = [a, b];
    const issued = await Promise.all(Array.from({ length: 24 }, (_, i) => call(brokers[i % 2]!, 'POST', '/v1/grants', { role: 'demo', ticket: `OPS-${i + 1}`, owner })));
    expect(issued.map((response) => response.status)).toEqual(Array(24).fill(201));
    const ids = issued.map((response) => response.body!.grant.id as string);
    // Half of them keep beating (on the replica that did not issue them); the other half fall silent.
    const beating = ids.slice(0, 12);
    const heartbeats = setInterval(() => beating.forEach((id, i) => void call(brokers[(i + 1) % 2]!, 'POST', `/v1/grants/${id}/heartbeat`).catch(() => {})), 500);
    try {
      const revoked = await Promise.all(beating.map((id, i) => call(brokers[(i + 1) % 2]!, 'POST', `/v1/grants/${id}/revoke`, { reason: 'exit' })));
      expect(revoked.map((response) => response.body!.state)).toEqual(Array(12).fill('revoked'));
      // Both replicas sweep; the silent grants are ended by the dead man's switch, once each.
      await until('the silent grants to be revoked', async () => {
        const states = await Promise.all(ids.slice(12).map(async (id) => (await call(a, 'GET', `/v1/grants/${id}`)).body!));
        return states.every((grant) => grant.state === 'revoked' && grant.revocation === 'verified');
      }, 10_000);
    } finally {
      clearInterval(heartbeats);
    }

    // Read as on the first replica's host, whose anchor vouches for the chain as far as that replica saw it.
    const store = await PostgresStore.open({ url: postgres.url, keys: stateDirKeys(first.stateDir), anchorDir: first.stateDir });
    try {
      const events = await store.events();
      for (const id of ids) {
        const types = events.filter((event) => event.grantId === id).map((event) => event.type);
        expect({ id, issued: count(types, 'grant.issued'), ended: count(types, 'grant.revoked'), verified: count(types, 'revocation.verified') }).toEqual({ id, issued: 1, ended: 1, verified: 1 });
      }
      const silent = events.filter((event) => event.type === 'grant.revoked' && ids.slice(12).includes(event.grantId!));
      expect(silent.every((event) => event.actor === 'broker' && event.data.reason === 'orphaned')).toBe(true);
      // One chain, whichever replica wrote: every link and every checkpoint verifies.
      const verdict = verifyChain(await store.auditSnapshot());
      expect(verdict).toMatchObject({ ok: true, events: events.length });
    } finally {
      await store.close();
    }

    // A third replica started without the team's keys: not ready, and it issues nothing.
    const stranger = await started(files());
    expect((await fetch(`${stranger.url}/readyz`)).status).toBe(503);
    const refused = await call(stranger, 'POST', '/v1/grants', { role: 'demo', ticket: 'OPS-99', owner });
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(refused.body).toMatchObject({ error: { message: expect.stringMatching(/audit signing key .* is missing/) } });
  }, 60_000);
});

function count(types: string[], type: string): number {
  return types.filter((t) => t === type).length;
}
