// The broker over HTTP on loopback: operators proven by a real OpenID provider's tokens, each acting on
// their own grants only, and every malformed or oversized request refused with its status and the one
// error body, storing nothing.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrokerApp } from '../../src/server/app.js';
import { OperatorTokenVerifier } from '../../src/server/operator-token.js';
import { callers } from '../../src/server/caller-verifier.js';
import { testBroker, type TestBroker } from '../support/broker.js';
import { startOidcProvider, type OidcProvider } from '../support/oidc.js';

const AUDIENCE = 'https://jit.test/broker';
const POLICY = `roles:
  demo:
    ttl: { default: 5m, max: 1h }
    requesters: ['*']
    issuer: { type: jwt }
  prod-db-admin:
    ttl: { default: 5m, max: 1h }
    requesters: [group:dba]
    issuer: { type: jwt }
`;

let provider: OidcProvider;
let env: TestBroker;
let app: FastifyInstance;
let base: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  provider = await startOidcProvider({ audience: AUDIENCE, users: { alice: ['dba'], bob: ['sre'] } });
  env = await testBroker(POLICY);
  const verifier = callers(new OperatorTokenVerifier({ issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
  app = buildBrokerApp({ broker: env.broker, verifier });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  tokens.alice = await provider.token('alice');
  tokens.bob = await provider.token('bob');
});
afterAll(async () => {
  await app.close();
  env.remove();
  await provider.close();
});

async function call(method: string, path: string, options: { as?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.as) headers.authorization = `Bearer ${tokens[options.as]}`;
  if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined, requestId: response.headers.get('x-request-id') };
}

const owner = { pid: process.pid, startTime: null };
const elevation = (role = 'demo') => ({ role, ticket: 'OPS-123', owner });

describe('jit serve API', () => {
  it('proves the caller of a /v1 route reached through a percent-encoded path, before reading its body', async () => {
    expect(await call('GET', '/%761/roles')).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    expect(await call('POST', '/%761/grants', { body: { role: 'demo' } })).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
  });

  it('answers health and readiness without a token', async () => {
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { ok: true } });
    expect(await call('GET', '/readyz')).toMatchObject({ status: 200, body: { ready: true } });
  });

  it('refuses every /v1 call without a valid token, in the one error body', async () => {
    for (const [method, path] of [['GET', '/v1/roles'], ['GET', '/v1/grants'], ['POST', '/v1/grants/g_00000000000000000000000000/heartbeat']] as const) {
      const response = await call(method, path, method === 'POST' ? { body: {} } : {});
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: { code: 'unauthenticated', hint: expect.stringContaining('jit login') } });
      expect(response.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await call('GET', '/v1/roles', { headers: { authorization: `Bearer ${tokens.alice}x` } })).status).toBe(401);
    // The caller is proven before the body is looked at: an anonymous client learns nothing of the schema.
    expect(await call('POST', '/v1/grants', { raw: '{"not": "valid"' })).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
  });

  it("lists roles as the caller may request them, from the token's groups", async () => {
    const alice = (await call('GET', '/v1/roles', { as: 'alice' })).body as unknown as Array<{ name: string; mayRequest: boolean }>;
    const bob = (await call('GET', '/v1/roles', { as: 'bob' })).body as unknown as Array<{ name: string; mayRequest: boolean }>;
    expect(alice.find((role) => role.name === 'prod-db-admin')?.mayRequest).toBe(true);
    expect(bob.find((role) => role.name === 'prod-db-admin')?.mayRequest).toBe(false);
    const denied = await call('POST', '/v1/grants', { as: 'bob', body: elevation('prod-db-admin') });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: { code: 'denied' } });
  });

  it('issues, heartbeats, records and revokes a grant for its requester', async () => {
    const issued = await call('POST', '/v1/grants', { as: 'alice', body: elevation() });
    expect(issued.status).toBe(201);
    const { grant, credential, heartbeatSeconds } = issued.body as { grant: { id: string; requester: string; state: string }; credential: Record<string, string>; heartbeatSeconds: number };
    expect(grant).toMatchObject({ requester: 'alice', state: 'active' });
    expect(credential.JIT_TOKEN).toMatch(/^ey/);
    expect(heartbeatSeconds).toBeGreaterThan(0);

    expect(await call('POST', `/v1/grants/${grant.id}/heartbeat`, { as: 'alice' })).toMatchObject({ status: 200, body: { state: 'active' } });
    expect((await call('POST', `/v1/grants/${grant.id}/events`, { as: 'alice', body: { type: 'session.started', data: { kind: 'command', program: 'true' } } })).status).toBe(204);
    expect((await call('GET', '/v1/grants?live=true', { as: 'alice' })).body).toEqual(expect.arrayContaining([expect.objectContaining({ id: grant.id })]));

    const revoked = await call('POST', `/v1/grants/${grant.id}/revoke`, { as: 'alice', body: { reason: 'exit' } });
    expect(revoked).toMatchObject({ status: 200, body: { id: grant.id, state: 'revoked', revokeReason: 'exit' } });
    const events = (await env.broker.events({ grantId: grant.id })).map((event) => event.type);
    expect(events).toEqual(expect.arrayContaining(['grant.issued', 'session.started', 'grant.revoked']));
    expect(events.join(' ')).toContain('session.started');
  });

  it("keeps one operator away from another's grant: not seen, not kept alive, not revoked", async () => {
    const { grant } = (await call('POST', '/v1/grants', { as: 'alice', body: elevation() })).body as { grant: { id: string } };
    expect((await call('GET', `/v1/grants/${grant.id}`, { as: 'bob' })).status).toBe(404);
    expect((await call('POST', `/v1/grants/${grant.id}/heartbeat`, { as: 'bob' })).status).toBe(404);
    expect((await call('POST', `/v1/grants/${grant.id}/revoke`, { as: 'bob', body: { reason: 'operator' } })).status).toBe(400);
    expect((await call('POST', `/v1/grants/${grant.id}/events`, { as: 'bob', body: { type: 'session.ended', data: {} } })).status).toBe(400);
    expect((await call('GET', '/v1/grants', { as: 'bob' })).body).toEqual([]);
    expect((await call('GET', `/v1/grants/${grant.id}`, { as: 'alice' })).body).toMatchObject({ state: 'active' });
    await call('POST', `/v1/grants/${grant.id}/revoke`, { as: 'alice', body: { reason: 'exit' } });
  });

  it('refuses malformed, oversized and over-claiming requests with their status, storing nothing', async () => {
    const grantsBefore = (await env.store.listGrants({})).length;
    const eventsBefore = (await env.broker.events({})).length;
    const cases: Array<[string, () => Promise<{ status: number; body: Record<string, any> | undefined }>, number, string]> = [
      ['malformed JSON', () => call('POST', '/v1/grants', { as: 'alice', raw: '{"role": "demo",' }), 400, 'usage'],
      ['an unknown field', () => call('POST', '/v1/grants', { as: 'alice', body: { ...elevation(), admin: true } }), 400, 'usage'],
      ['a missing owner', () => call('POST', '/v1/grants', { as: 'alice', body: { role: 'demo', ticket: 'OPS-1' } }), 400, 'usage'],
      ['a negative ttl', () => call('POST', '/v1/grants', { as: 'alice', body: { ...elevation(), ttlSeconds: -5 } }), 400, 'usage'],
      ['a ticket id that is not one', () => call('POST', '/v1/grants', { as: 'alice', body: { ...elevation(), ticket: '../../etc' } }), 400, 'usage'],
      ['a role that does not exist', () => call('POST', '/v1/grants', { as: 'alice', body: elevation('nope') }), 400, 'usage'],
      ['a body over the limit', () => call('POST', '/v1/grants', { as: 'alice', raw: JSON.stringify({ ...elevation(), reason: 'x'.repeat(70_000) }) }), 413, 'usage'],
      ['a grant id that is not one', () => call('POST', '/v1/grants/..%2F..%2Fetc/heartbeat', { as: 'alice' }), 400, 'usage'],
      ["a revocation reason only the broker may give", () => call('POST', '/v1/grants/g_00000000000000000000000000/revoke', { as: 'alice', body: { reason: 'expired' } }), 400, 'usage'],
      ['an event key that is not a name', () => call('POST', '/v1/grants/g_00000000000000000000000000/events', { as: 'alice', body: { type: 'session.ended', data: { ['x'.repeat(40)]: 1 } } }), 400, 'usage'],
      ['an event value with control characters', () => call('POST', '/v1/grants/g_00000000000000000000000000/events', { as: 'alice', body: { type: 'session.ended', data: { program: 'ok\u001b[2Jforged\u202e' } } }), 400, 'usage'],
      ['an unknown endpoint', () => call('GET', '/v2/everything', { as: 'alice' }), 404, 'not_found'],
    ];
    for (const [what, response, status, code] of cases) {
      const { status: actual, body } = await response();
      expect({ what, status: actual, code: body?.error?.code }).toEqual({ what, status, code });
      expect(typeof body?.error?.message).toBe('string');
    }
    expect((await env.store.listGrants({})).length).toBe(grantsBefore);
    expect((await env.broker.events({})).length).toBe(eventsBefore);
  });

  it("answers what Node's parser refuses (headers over its limit, not HTTP) in the one error body", async () => {
    const { connect } = await import('node:net');
    const rawExchange = (text: string, whole: boolean) =>
      new Promise<string>((resolve, reject) => {
        const { port } = new URL(base);
        const socket = connect(Number(port), '127.0.0.1', () => (whole ? socket.end(text) : socket.write(text)));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    for (const [request, status] of [
      [`GET /v1/roles HTTP/1.1\r\nhost: x\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['NOT HTTP AT ALL\r\n\r\n', 400],
    ] as const) {
      const answer = await rawExchange(request, true);
      expect(answer.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'usage', message: expect.any(String) } });
    }
    // A client that never finishes its headers (slowloris) is cut off at the 10 s request timeout, not 30 s later.
    const started = Date.now();
    const answer = await rawExchange('GET /v1/roles HTTP/1.1\r\nhost: x\r\n', false);
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'usage', message: 'the request was not sent within 10s' } });
  }, 20_000);
});

describe('jit serve API behind a proxy', () => {
  async function actorOfGrant(server: FastifyInstance, url: string, forwardedFor: string): Promise<string> {
    const response = await fetch(`${url}/v1/grants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify(elevation()),
    });
    expect(response.status).toBe(201);
    const { grant } = (await response.json()) as { grant: { id: string } };
    const created = (await env.broker.events({ grantId: grant.id })).find((event) => event.type === 'grant.issuing');
    await server.close();
    return created!.actor;
  }

  it("records the address a trusted proxy forwards, and ignores X-Forwarded-For from anyone else", async () => {
    const verifier = callers(new OperatorTokenVerifier({ issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
    const trusting = buildBrokerApp({ broker: env.broker, verifier, trustedProxies: ['127.0.0.0/8'] });
    expect(await actorOfGrant(trusting, await trusting.listen({ host: '127.0.0.1', port: 0 }), '203.0.113.7')).toBe('user:alice@203.0.113.7');
    const trustingOthers = buildBrokerApp({ broker: env.broker, verifier, trustedProxies: ['10.0.0.0/8'] });
    expect(await actorOfGrant(trustingOthers, await trustingOthers.listen({ host: '127.0.0.1', port: 0 }), '203.0.113.7')).toBe('user:alice@127.0.0.1');
  });
});

describe('jit serve API rate limits', () => {
  it('holds back an operator over its limit with 429 and Retry-After, and nobody else', async () => {
    const verifier = callers(new OperatorTokenVerifier({ issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
    const limited = buildBrokerApp({ broker: env.broker, verifier, rateLimit: { perSecond: 0.01, burst: 3 } });
    const url = await limited.listen({ host: '127.0.0.1', port: 0 });
    try {
      const get = (user: string) => fetch(`${url}/v1/roles`, { headers: { authorization: `Bearer ${tokens[user]}` } });
      expect([(await get('alice')).status, (await get('alice')).status, (await get('alice')).status]).toEqual([200, 200, 200]);
      const refused = await get('alice');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('too many requests from alice') } });
      expect((await get('bob')).status).toBe(200);
      // A revocation only takes access away: it is never held back.
      const revoke = await fetch(`${url}/v1/grants/g_00000000000000000000000000/revoke`, { method: 'POST', headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json' }, body: '{"reason":"exit"}' });
      expect(revoke.status).not.toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('slows down an address that keeps failing to authenticate, and never a good token from it', async () => {
    const verifier = callers(new OperatorTokenVerifier({ issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
    const guarded = buildBrokerApp({ broker: env.broker, verifier });
    const url = await guarded.listen({ host: '127.0.0.1', port: 0 });
    try {
      const statuses = [];
      for (let i = 0; i < 21; i++) statuses.push((await fetch(`${url}/v1/roles`, { headers: { authorization: `Bearer ${tokens.alice}x` } })).status);
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses[20]).toBe(429);
      // Someone else behind the same address (a NAT, a proxy) is not locked out by it.
      expect((await fetch(`${url}/v1/roles`, { headers: { authorization: `Bearer ${tokens.alice}` } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('jit serve API metrics', () => {
  it('serves /metrics only to the addresses metricsFrom names', async () => {
    const { BrokerMetrics } = await import('../../src/server/metrics.js');
    const verifier = callers(new OperatorTokenVerifier({ issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
    for (const [metricsFrom, status] of [[['10.0.0.0/8'], 403], [['127.0.0.1'], 200]] as const) {
      const served = buildBrokerApp({ broker: env.broker, verifier, metrics: new BrokerMetrics(), metricsFrom: [...metricsFrom] });
      const url = await served.listen({ host: '127.0.0.1', port: 0 });
      try {
        const response = await fetch(`${url}/metrics`);
        expect(response.status).toBe(status);
        if (status === 403) expect(await response.json()).toMatchObject({ error: { code: 'denied', hint: expect.stringContaining('metricsFrom') } });
        else expect(await response.text()).toContain('# TYPE jit_grants_live gauge');
        // Through a proxy that is not trusted, loopback is not this host's own reader.
        expect((await fetch(`${url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(403);
      } finally {
        await served.close();
      }
    }
  });
});

describe('jit serve API audit', () => {
  it('publishes the chain with its key and head to its auditReaders only', async () => {
    const verifier = callers(new OperatorTokenVerifier({ issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
    const served = buildBrokerApp({ broker: env.broker, verifier, auditReaders: ['group:dba'] });
    const url = await served.listen({ host: '127.0.0.1', port: 0 });
    try {
      const read = (user: string, query = '') => fetch(`${url}/v1/audit${query}`, { headers: { authorization: `Bearer ${tokens[user]}` } });
      const denied = await read('bob');
      expect(denied.status).toBe(403);
      expect(await denied.json()).toMatchObject({ error: { code: 'denied', message: 'bob may not read this broker\'s audit' } });
      expect((await fetch(`${url}/v1/audit/standing`, { headers: { authorization: `Bearer ${tokens.bob}` } })).status).toBe(403);
      const page = (await (await read('alice')).json()) as { key: { kid: string }; events: { seq: number; hash: string }[]; checkpoints: unknown[]; head: { seq: number; hash: string }; more: boolean };
      expect(page.key.kid).toEqual(expect.any(String));
      expect(page.events.at(-1)).toMatchObject(page.head);
      expect(page.more).toBe(false);
      const after = (await (await read('alice', `?after=${page.head.seq - 1}`)).json()) as { events: { seq: number }[] };
      expect(after.events.map((event) => event.seq)).toEqual([page.head.seq]);
      expect((await read('alice', '?after=-1')).status).toBe(400);
    } finally {
      await served.close();
    }
  });
});

describe('jit serve: tokens services can check', () => {
  async function introspect(token: string, as?: string) {
    const response = await fetch(`${base}/v1/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(as ? { authorization: `Bearer ${tokens[as]}` } : {}) },
      body: new URLSearchParams({ token }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  it('publishes the jwt issuer’s key as a JWKS, unauthenticated, and a token the broker issued verifies against it', async () => {
    const { status, body } = await call('POST', '/v1/grants', { as: 'alice', body: elevation() });
    expect(status).toBe(201);
    const jwks = await call('GET', '/jwks.json');
    expect(jwks.status).toBe(200);
    const { createLocalJWKSet, jwtVerify } = await import('jose');
    const { payload } = await jwtVerify(body!.credential.JIT_TOKEN, createLocalJWKSet(jwks.body as { keys: never[] }), { issuer: 'jit', audience: 'jit' });
    expect(payload).toMatchObject({ jti: body!.grant.id, sub: 'alice', role: 'demo' });
  });

  it('introspects a token (RFC 7662): active while its grant lives, inactive as soon as it is revoked, before its exp', async () => {
    const { body } = await call('POST', '/v1/grants', { as: 'alice', body: elevation() });
    const token = body!.credential.JIT_TOKEN as string;
    // Any authenticated caller: a service holding a token of the same provider.
    expect(await introspect(token, 'bob')).toEqual({
      status: 200,
      body: expect.objectContaining({ active: true, token_type: 'Bearer', username: 'alice', sub: 'alice', jti: body!.grant.id, role: 'demo', ticket: 'OPS-123', iss: 'jit', aud: 'jit' }),
    });
    await call('POST', `/v1/grants/${body!.grant.id}/revoke`, { as: 'alice', body: { reason: 'exit' } });
    expect(await introspect(token, 'bob')).toEqual({ status: 200, body: { active: false } });
  });

  it('says inactive, and nothing more, for a token it did not sign; asks who is asking', async () => {
    const { body } = await call('POST', '/v1/grants', { as: 'alice', body: elevation() });
    const [header, payload, signature] = (body!.credential.JIT_TOKEN as string).split('.');
    const raised = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'prod-db-admin' })).toString('base64url');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    for (const forged of [`${header}.${raised}.${signature}`, none, 'not-a-token', `${header}.${payload}.${'A'.repeat(86)}`]) {
      expect(await introspect(forged, 'bob')).toEqual({ status: 200, body: { active: false } });
    }
    expect((await introspect(body!.credential.JIT_TOKEN, undefined)).status).toBe(401);
  });
});
