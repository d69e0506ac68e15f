// Approvals over HTTP, each operator proven by a real OpenID provider's token: a request left pending
// (409, its id in the error body), seen by an approver, approved, waited for with a long poll (answered
// as the decision lands, not when the wait runs out), and turned into its grant by its requester, once.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrokerApp } from '../../src/server/app.js';
import { OperatorTokenVerifier } from '../../src/server/operator-token.js';
import { callers, type Callers } from '../../src/server/caller-verifier.js';
import { testBroker, type TestBroker } from '../support/broker.js';
import { startOidcProvider, type OidcProvider } from '../support/oidc.js';

const AUDIENCE = 'https://jit.test/broker';
const POLICY = `roles:
  prod-db:
    ttl: { default: 5m, max: 1h }
    requesters: ['*']
    issuer: { type: jwt }
`;

let provider: OidcProvider;
let env: TestBroker;
let app: FastifyInstance;
let base: string;
let verifier: Callers;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  provider = await startOidcProvider({ audience: AUDIENCE, users: { alice: ['sre'], bob: ['dba'], carol: ['dba'] } });
  env = await testBroker(POLICY, { approvals: { 'prod-db': { required: 1, approvers: ['group:dba'], pendingSeconds: 3600 } } });
  verifier = callers(new OperatorTokenVerifier({ issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
  app = buildBrokerApp({ broker: env.broker, verifier });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  for (const user of ['alice', 'bob', 'carol']) tokens[user] = await provider.token(user);
});
afterAll(async () => {
  await app.close();
  env.remove();
  await provider.close();
});

async function call(as: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[as]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const owner = { pid: 4242, startTime: '123456' };

describe('approvals over HTTP', () => {
  it('pending, approved by another, waited for, picked up once', async () => {
    const asked = await call('alice', 'POST', '/v1/grants', { role: 'prod-db', ticket: 'OPS-9', owner });
    expect(asked).toMatchObject({ status: 409, body: { error: { code: 'pending', requestId: expect.stringMatching(/^r_[0-9a-z]{26}$/) } } });
    const id = asked.body.error.requestId as string;

    expect((await call('bob', 'GET', '/v1/requests')).body).toEqual([expect.objectContaining({ id, requester: 'alice', state: 'pending', required: 1, approvers: [] })]);
    expect(await call('alice', 'POST', `/v1/requests/${id}/approve`, {})).toMatchObject({ status: 403, body: { error: { code: 'denied', message: `you may not decide your own request ${id}` } } });

    const started = Date.now();
    const waiting = call('alice', 'GET', `/v1/requests/${id}?wait=20`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await call('bob', 'POST', `/v1/requests/${id}/approve`, { reason: 'change reviewed' })).toMatchObject({ status: 200, body: { state: 'approved', approvers: ['bob'] } });
    expect(await waiting).toMatchObject({ status: 200, body: { state: 'approved' } });
    expect(Date.now() - started).toBeLessThan(3000);

    expect(await call('bob', 'POST', `/v1/requests/${id}/grant`, { owner })).toMatchObject({ status: 400, body: { error: { message: `there is no request "${id}" of yours` } } });
    const granted = await call('alice', 'POST', `/v1/requests/${id}/grant`, { owner });
    expect(granted).toMatchObject({ status: 201, body: { grant: { state: 'active', role: 'prod-db', ticket: 'OPS-9', requester: 'alice' }, credential: { JIT_TOKEN: expect.any(String) } } });
    expect(await call('alice', 'POST', `/v1/requests/${id}/grant`, { owner })).toMatchObject({ status: 400, body: { error: { message: `request ${id} was already used for a grant` } } });
    expect((await call('alice', 'GET', `/v1/requests/${id}`)).body).toMatchObject({ state: 'approved', used: true });
  });

  it('two pick-ups at once: one grant, and the other told why', async () => {
    const id = (await call('alice', 'POST', '/v1/grants', { role: 'prod-db', ticket: 'OPS-11', owner })).body.error.requestId as string;
    await call('bob', 'POST', `/v1/requests/${id}/approve`, {});
    const both = await Promise.all([call('alice', 'POST', `/v1/requests/${id}/grant`, { owner }), call('alice', 'POST', `/v1/requests/${id}/grant`, { owner })]);
    expect(both.map((answer) => answer.status).sort()).toEqual([201, 400]);
    expect(both.find((answer) => answer.status === 400)!.body.error).toMatchObject({ code: 'usage', message: `request ${id} was already used for a grant` });
  });

  it('an approval counts only for the request exactly as its approver was shown it', async () => {
    const id = (await call('alice', 'POST', '/v1/grants', { role: 'prod-db', ticket: 'OPS-12', ttlSeconds: 600, reason: 'index rebuild', owner })).body.error.requestId as string;
    const seen = { role: 'prod-db', ticket: 'OPS-12', requester: 'alice', ttlSeconds: 600, reason: 'index rebuild' };
    expect(await call('bob', 'POST', `/v1/requests/${id}/approve`, { seen: { ...seen, ttlSeconds: 300 } })).toMatchObject({ status: 403, body: { error: { message: `request ${id} is not the request you were shown` } } });
    expect(await call('bob', 'POST', `/v1/requests/${id}/approve`, { seen: { ...seen, ticket: 'OPS-13' } })).toMatchObject({ status: 403 });
    expect((await call('bob', 'GET', `/v1/requests/${id}`)).body).toMatchObject({ state: 'pending', approvers: [] });
    expect(await call('bob', 'POST', `/v1/requests/${id}/approve`, { seen })).toMatchObject({ status: 200, body: { state: 'approved', approvers: ['bob'] } });
  });

  it('a long poll answers at once when the broker shuts down, rather than holding the shutdown for its wait', async () => {
    const closing = buildBrokerApp({ broker: env.broker, verifier });
    const closingBase = await closing.listen({ host: '127.0.0.1', port: 0 });
    const id = (await call('alice', 'POST', '/v1/grants', { role: 'prod-db', ticket: 'OPS-15', owner })).body.error.requestId as string;
    const waiting = fetch(`${closingBase}/v1/requests/${id}?wait=30`, { headers: { authorization: `Bearer ${tokens.alice}` } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await closing.close();
    expect(Date.now() - started).toBeLessThan(2000);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ id, state: 'pending' });
  });

  it('lists what still waits, or also the last day\'s decided ones, with who denied them and why', async () => {
    const id = (await call('alice', 'POST', '/v1/grants', { role: 'prod-db', ticket: 'OPS-14', owner })).body.error.requestId as string;
    await call('carol', 'POST', `/v1/requests/${id}/deny`, { reason: 'wrong window' });
    const all = (await call('alice', 'GET', '/v1/requests')).body as unknown as { id: string; state: string }[];
    expect(all.find((request) => request.id === id)).toMatchObject({ state: 'denied', denial: { by: 'carol', reason: 'wrong window' }, used: false });
    const pending = (await call('alice', 'GET', '/v1/requests?pending=true')).body as unknown as { state: string }[];
    expect(pending.every((request) => request.state === 'pending')).toBe(true);
    expect((await call('alice', 'GET', '/v1/requests?pending=maybe')).status).toBe(400);
  });

  it('bounded per requester: at most 10 requests waiting at once, and at most 4 long polls held at once', async () => {
    const asks = [];
    for (let n = 0; n < 12; n++) asks.push(await call('carol', 'POST', '/v1/grants', { role: 'prod-db', ticket: `OPS-${100 + n}`, owner }));
    const waiting = asks.filter((asked) => asked.status === 409);
    expect(waiting).toHaveLength(10);
    expect(asks.slice(10)).toEqual([expect.objectContaining({ status: 429 }), expect.objectContaining({ status: 429 })]);
    expect(asks[10]!.body.error.message).toBe('carol has 10 requests waiting for approvals already');
    // Four waits held at once are served; a fifth is refused at once, not held.
    const ids = waiting.map((asked) => asked.body.error.requestId as string);
    const held = ids.slice(0, 4).map((id) => call('carol', 'GET', `/v1/requests/${id}?wait=3`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    expect(await call('carol', 'GET', `/v1/requests/${ids[4]}?wait=3`)).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    // Decided or expired, they make room again.
    for (const id of ids) expect((await call('bob', 'POST', `/v1/requests/${id}/deny`, { reason: 'test over' })).status).toBe(200);
    expect((await call('carol', 'POST', '/v1/grants', { role: 'prod-db', ticket: 'OPS-200', owner })).status).toBe(409);
  });

  it('a denial needs its reason; a stranger sees nothing; ids and bodies are checked', async () => {
    const id = (await call('alice', 'POST', '/v1/grants', { role: 'prod-db', ticket: 'OPS-10', owner })).body.error.requestId as string;
    expect((await call('carol', 'POST', `/v1/requests/${id}/deny`, {})).status).toBe(400);
    expect(await call('carol', 'POST', `/v1/requests/${id}/deny`, { reason: 'not during the freeze' })).toMatchObject({ status: 200, body: { state: 'denied' } });
    expect((await call('alice', 'GET', `/v1/requests/${id}`)).body).toMatchObject({ state: 'denied' });
    expect((await call('alice', 'GET', '/v1/requests/r_not-an-id')).status).toBe(400);
    expect((await call('alice', 'GET', '/v1/requests/r_00000000000000000000000000')).status).toBe(404);
    expect((await call('alice', 'GET', `/v1/requests/${id}?wait=31`)).status).toBe(400);
    expect((await call('bob', 'POST', `/v1/requests/${id}/approve`, { reason: 'x', extra: 1 })).status).toBe(400);
  });
});
