// Approvals over HTTP, each operator proven by a real OpenID provider's token: a request left pending
// (409, its id in the error body), seen by an approver, approved, waited for with a long poll (answered
// as the decision lands, not when the wait runs out), and turned into its grant by its requester, once.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrokerApp } from '../../src/server/app.js';
import { OperatorTokenVerifier } from '../../src/server/operator-token.js';
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
const tokens: Record<string, string> = {};

beforeAll(async () => {
  provider = await startOidcProvider({ audience: AUDIENCE, users: { alice: ['sre'], bob: ['dba'], carol: ['dba'] } });
  env = await testBroker(POLICY, { approvals: { 'prod-db': { required: 1, approvers: ['group:dba'], pendingSeconds: 3600 } } });
  const verifier = new OperatorTokenVerifier({ issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 });
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

    expect(await call('bob', 'POST', `/v1/requests/${id}/grant`, { owner })).toMatchObject({ status: 404 });
    const granted = await call('alice', 'POST', `/v1/requests/${id}/grant`, { owner });
    expect(granted).toMatchObject({ status: 201, body: { grant: { state: 'active', role: 'prod-db', ticket: 'OPS-9', requester: 'alice' }, credential: { JIT_TOKEN: expect.any(String) } } });
    expect(await call('alice', 'POST', `/v1/requests/${id}/grant`, { owner })).toMatchObject({ status: 400, body: { error: { message: `request ${id} was already used for a grant` } } });
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
