// docs/openapi.json is the API: every route the broker serves is in it and nothing else is, the broker
// validates requests with its schemas, and serves it unchanged at /openapi.json.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrokerApp } from '../../src/server/app.js';
import { BrokerMetrics } from '../../src/server/metrics.js';
import { OperatorTokenVerifier } from '../../src/server/operator-token.js';
import { callers } from '../../src/server/caller-verifier.js';
import { testBroker, type TestBroker } from '../support/broker.js';

const document = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
let env: TestBroker;
let app: ReturnType<typeof buildBrokerApp>;

beforeAll(async () => {
  env = await testBroker();
  const verifier = callers(new OperatorTokenVerifier({ issuer: 'https://idp.invalid', audience: 'jit', algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
  app = buildBrokerApp({ broker: env.broker, verifier, metrics: new BrokerMetrics() });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  env.remove();
});

/** Every METHOD path the app routes (HEAD, which fastify adds for each GET, left out), read from its route tree. */
function servedRoutes(): string[] {
  const routes: string[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([─└├│ ]*)(\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    // Four characters of tree drawing per level, the first level included.
    const depth = match[1]!.length / 4 - 1;
    segments.splice(depth, segments.length, match[2]!);
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${segments.join('')}`);
  }
  return routes.sort();
}

describe('the OpenAPI document', () => {
  it('names every route the broker serves, and no other', () => {
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`))
      .sort();
    expect(document.openapi).toBe('3.1.0');
    expect(servedRoutes()).toEqual(documented);
  });

  it('is served as it is kept in docs/', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(document);
  });
});
