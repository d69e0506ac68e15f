// The broker's HTTP face: a versioned JSON API over the Broker, every /v1 call made as the operator its
// bearer token proves. One error body, `{ error: { code, message, hint? } }`, whose code is the CLI's.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { BreakGlassRequest, ElevationRequest } from '../backends/contract.js';
import { matchesRule } from '../broker/policy/requesters.js';
import type { ExtendAsk } from '../broker/renewal.js';
import type { Broker } from '../broker/service.js';
import type { SessionEventType } from '../broker/records.js';
import { JitError, type ErrorCode } from '../core/errors.js';
import type { RevokeReason } from '../core/states.js';
import type { Operator } from '../platform/operator.js';
import { addressAllowList, DEFAULT_METRICS_FROM, type BrokerMetrics } from './metrics.js';
import type { Callers } from './caller-verifier.js';
import { apiDocument, requestSchemas, routePath } from './api-document.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitSettings } from './rate-limit.js';
import { registerTicketWebhooks } from './ticket-webhooks.js';
import { registerApprovalRoutes } from './approval-routes.js';

/** What `jit login` needs to know to log in for this broker: published unauthenticated at /v1/login. */
export interface LoginSettings {
  issuer: string;
  audience: string;
  /** The public client (no secret) registered at the provider for the CLI. */
  clientId: string;
  scopes: string;
}

export interface BrokerAppOptions {
  broker: Broker;
  /** Proves each /v1 caller: a person's access token, or a CI job's identity token. */
  verifier: Callers;
  /** Absent when the broker config names no client for the CLI: then each CLI's config must. */
  login?: LoginSettings;
  /** Structured request logs (pino, JSON lines) to this stream; none when absent. */
  logger?: { stream: NodeJS.WritableStream };
  /** PEM certificate and key: served over TLS when given. */
  https?: { cert: string; key: string };
  /** Proxies (IPs, CIDR blocks) whose X-Forwarded-For is believed; by default the peer's address is the client's. */
  trustedProxies?: string[];
  /** Requests per second each operator may make, sustained and at once; DEFAULT_RATE_LIMIT when absent. */
  rateLimit?: RateLimitSettings;
  /** Served at /metrics when given, to the addresses (IPs, CIDR blocks) in `metricsFrom`: loopback by default. */
  metrics?: BrokerMetrics;
  metricsFrom?: string[];
  /** Who may read the whole audit (`*`, `user:NAME`, `group:NAME`): everyone who may log in unless the config says. */
  auditReaders?: string[];
}

/** Events per page of GET /v1/audit: a page stays a few MiB however long the chain grows. */
const AUDIT_PAGE_EVENTS = 2000;


const REVOKE_ROUTE = routePath('/v1/grants/{id}/revoke');
/** Failed authentications each address may make: enough for a person retyping, not for a guesser. */
const FAILED_AUTH_LIMIT: RateLimitSettings = { perSecond: 1, burst: 20 };

function rateLimited(what: string, seconds: number): JitError {
  return new JitError('rate_limited', `too many requests ${what}; try again in ${seconds}s`, { hint: 'slow down, or ask whoever runs the broker to raise rateLimit' });
}

/** Far above any request the CLI sends; a bigger body is refused before it is parsed. */
const BODY_LIMIT_BYTES = 64 * 1024;
/** A client that has not sent its whole request by then is cut off (slowloris). */
const REQUEST_TIMEOUT_MS = 10_000;

const statusOf: Record<ErrorCode, number> = {
  usage: 400,
  ticket_rejected: 422,
  unavailable: 503,
  internal: 500,
  keychain: 500,
  os: 500,
  pending: 409,
  session_ended: 410,
  denied: 403,
  unauthenticated: 401,
  config: 500,
  cannot_execute: 400,
  not_found: 404,
  cancelled: 400,
  rate_limited: 429,
};

function errorBody(code: ErrorCode, message: string, hint?: string, requestId?: string) {
  return { error: { code, message, ...(hint === undefined ? {} : { hint }), ...(requestId === undefined ? {} : { requestId }) } };
}

export function buildBrokerApp(options: BrokerAppOptions): FastifyInstance {
  const { broker, verifier } = options;
  const app = Fastify({
    // SECURITY: pino's default request serializer logs method, url and address, never headers (bearer tokens).
    logger: options.logger ? { stream: options.logger.stream, level: 'info' } : false,
    // Node looks for requests past their timeout only every 30 s by default: a slow client would hold a
    // connection for up to 40 s instead of 10. Our own server checks every second.
    serverFactory: (handler) => {
      const settings = { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 };
      return options.https ? createHttpsServer({ ...settings, ...options.https }, handler) : createHttpServer(settings, handler);
    },
    // Said again so that fastify names the address it serves https://.
    ...(options.https ? { https: options.https } : {}),
    // SECURITY: X-Forwarded-For is anyone's to write; only the proxies named in the config are believed.
    ...(options.trustedProxies?.length ? { trustProxy: options.trustedProxies } : {}),
    // Idle keep-alive connections are closed on shutdown; requests in flight are waited for.
    forceCloseConnections: 'idle',
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 64 },
    // Every log line of a request carries its id (reqId); the response names it so an operator can quote it.
    genReqId: () => crypto.randomUUID(),
    // SECURITY: a field the schema does not know is refused, not silently dropped, and "5" is not a number.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // What Node's parser refuses before any route sees it (headers too large, not HTTP) gets the one error body too.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      const [status, reason, message] =
        error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'the request headers are too large'] :
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', `the request was not sent within ${REQUEST_TIMEOUT_MS / 1000}s`] :
        [400, 'Bad Request', 'the request is not valid HTTP'];
      const body = JSON.stringify(errorBody('usage', message));
      socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Shutting down: a request that was in flight ends its connection too, so the stop need not wait for keep-alive to lapse.
    if (!app.server.listening) reply.header('connection', 'close');
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof JitError) return reply.status(statusOf[error.code]).send(errorBody(error.code, error.message, error.hint, error.requestId));
    const fastifyError = error as { validation?: unknown; statusCode?: number; code?: string; message?: string };
    if (fastifyError.validation) return reply.status(400).send(errorBody('usage', `the request is not valid: ${fastifyError.message}`));
    if (fastifyError.statusCode === 413) return reply.status(413).send(errorBody('usage', 'the request body is too large'));
    if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) return reply.status(fastifyError.statusCode).send(errorBody('usage', fastifyError.message ?? 'bad request'));
    // SECURITY: an unexpected error's details stay in the broker's log; the client learns only the request id.
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send(errorBody('internal', `the broker failed unexpectedly (request ${request.id})`, 'report it with the request id to whoever runs the broker'));
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody('not_found', `no such endpoint: ${request.method} ${request.url.split('?')[0]}`)));

  // SECURITY: every /v1 call proves its caller before its body is read or checked: an anonymous client
  // learns nothing of the schema and costs the broker no parsing.
  const callers = new WeakMap<FastifyRequest, Operator>();
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const perOperator = new RateLimiter(limit.perSecond, limit.burst);
  const failedAuth = new RateLimiter(FAILED_AUTH_LIMIT.perSecond, FAILED_AUTH_LIMIT.burst);
  app.addHook('onRequest', async (request, reply) => {
    // The route matched, not the raw URL: `/%761/roles` is routed to /v1/roles and must be proven too.
    // /v1/login is how a CLI learns where to log in: it cannot hold a token yet.
    const route = request.routeOptions.url ?? request.url;
    if (!(route.startsWith('/v1/') || request.url.startsWith('/v1/')) || route === '/v1/login') return;
    let verified: Operator;
    try {
      verified = await verifier.verify(request.headers.authorization, request.ip);
    } catch (error) {
      // SECURITY: an address that keeps failing to authenticate is slowed down; a good token from the
      // same address (a shared NAT, a proxy) is never held back by it.
      const wait = error instanceof JitError && error.code === 'unauthenticated' ? failedAuth.take(request.ip) : 0;
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw rateLimited('that failed to authenticate from this address', wait);
      }
      throw error;
    }
    // SECURITY: a revocation only ever takes access away: no limit holds it back.
    const wait = route === REVOKE_ROUTE ? 0 : perOperator.take(verified.name);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw rateLimited(`from ${verified.name}`, wait);
    }
    // The address is where the operator calls from, as the audit records it.
    callers.set(request, verified);
  });

  /** The operator the onRequest hook proved for this request. */
  async function caller(request: FastifyRequest): Promise<Operator> {
    const operator = callers.get(request);
    if (!operator) throw new JitError('internal', 'a /v1 route ran without an authenticated caller');
    return operator;
  }

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/openapi.json', async () => apiDocument);
  // Public, as a JWKS is: services check the jwt issuer's tokens against it without asking the broker.
  app.get('/jwks.json', async () => broker.tokenKeys());
  // Public too: sshd hosts fetch the KRL (RevokedKeys) on a timer, and hold no token to present.
  app.get(routePath('/ssh/krl/{role}'), { schema: requestSchemas('/ssh/krl/{role}', 'get') }, async (request, reply) => {
    const { role } = request.params as { role: string };
    const krl = broker.sshKrl(role);
    if (!krl) throw new JitError('not_found', `there is no KRL for ${role}`, { hint: 'name a role whose issuer is ssh; its KRL exists once it was first written (ssh-keygen -k -f FILE starts one)' });
    return reply.type('application/octet-stream').header('cache-control', 'no-store').send(krl);
  });
  registerTicketWebhooks(app, broker);
  // RFC 7662 sends the token form-encoded.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));

  const metrics = options.metrics;
  if (metrics) {
    const mayRead = addressAllowList(options.metricsFrom ?? DEFAULT_METRICS_FROM);
    app.addHook('onResponse', async (request, reply) => {
      // The route's pattern, never the raw URL: ids in paths would make a series per grant.
      metrics.requests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
    });
    app.get('/metrics', async (request, reply) => {
      // SECURITY: through a proxy on this host every request comes from loopback; unless the proxy is
      // trusted (and so names the client), a forwarded request is not taken for this host's own.
      if (!options.trustedProxies?.length && request.headers['x-forwarded-for'] !== undefined) {
        throw new JitError('denied', 'a request forwarded by a proxy may not read the metrics', { hint: 'name the proxy in trustedProxies, and the readers in metricsFrom' });
      }
      if (!mayRead(request.ip)) throw new JitError('denied', 'this address may not read the metrics', { hint: 'add it to metricsFrom in the broker config' });
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render(await broker.live()));
    });
  }
  app.get('/readyz', async (_request, reply: FastifyReply) => {
    try {
      await verifier.ready();
      const problem = await broker.auditProblem();
      if (problem) throw problem;
      return { ready: true };
    } catch (error) {
      const message = error instanceof JitError ? error.message : 'not ready';
      return reply.status(503).send(errorBody('unavailable', message));
    }
  });

  app.get('/v1/login', async () => {
    if (!options.login) throw new JitError('not_found', 'this broker publishes no login settings', { hint: 'ask whoever runs it for oidc.clientId in its broker.yaml' });
    return options.login;
  });

  app.get('/v1/whoami', async (request) => {
    const operator = await caller(request);
    return { name: operator.name, groups: operator.groups(), address: operator.host, ...(operator.workload ? { workload: { issuer: operator.workload.issuer, subject: operator.workload.subject, claims: operator.workload.provenance } } : {}) };
  });

  app.get('/v1/roles', async (request) => broker.roles(await caller(request)));

  app.post('/v1/grants', { schema: requestSchemas('/v1/grants', 'post') }, async (request, reply) => {
    const operator = await caller(request);
    const issued = await broker.request(operator, request.body as ElevationRequest);
    return reply.status(201).send(issued);
  });

  registerApprovalRoutes(app, broker, caller);

  app.get('/v1/grants', { schema: requestSchemas('/v1/grants', 'get') }, async (request) => {
    const { live } = request.query as { live?: 'true' | 'false' };
    return broker.grants(await caller(request), live === undefined ? {} : { live: live === 'true' });
  });

  app.get(routePath('/v1/grants/{id}'), { schema: requestSchemas('/v1/grants/{id}', 'get') }, async (request) => {
    const { id } = request.params as { id: string };
    const grant = await broker.grant(await caller(request), id);
    if (!grant) throw new JitError('not_found', `there is no grant ${id} of yours`);
    return grant;
  });

  app.post(routePath('/v1/grants/{id}/heartbeat'), { schema: requestSchemas('/v1/grants/{id}/heartbeat', 'post') }, async (request) => {
    const { id } = request.params as { id: string };
    const pulse = await broker.heartbeat(await caller(request), id);
    if (!pulse) throw new JitError('not_found', `there is no grant ${id} of yours`);
    return pulse;
  });

  app.post('/v1/break-glass', { schema: requestSchemas('/v1/break-glass', 'post') }, async (request, reply) => {
    const issued = await broker.breakGlass(await caller(request), request.body as BreakGlassRequest);
    return reply.status(201).send(issued);
  });

  app.get('/v1/break-glass', async (request) => {
    await auditReader(request);
    return broker.breakGlassUses();
  });

  app.post(routePath('/v1/break-glass/{id}/review'), { schema: requestSchemas('/v1/break-glass/{id}/review', 'post') }, async (request) => {
    const { id } = request.params as { id: string };
    return broker.reviewBreakGlass(await caller(request), id, (request.body as { note?: string }).note);
  });

  app.post(routePath('/v1/grants/{id}/extend'), { schema: requestSchemas('/v1/grants/{id}/extend', 'post') }, async (request) => {
    const { id } = request.params as { id: string };
    return broker.extend(await caller(request), id, request.body as ExtendAsk);
  });

  app.post(
    routePath('/v1/grants/{id}/events'),
    // Printable text only in event data (see the document): the audit is read on terminals.
    { schema: requestSchemas('/v1/grants/{id}/events', 'post') },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { type, data } = request.body as { type: SessionEventType; data: Record<string, string | number | null> };
      await broker.recordSession(await caller(request), id, type, data);
      return reply.status(204).send();
    },
  );

  /** The caller, if the config lets them read the audit; who else's grants it holds is theirs to see then. */
  async function auditReader(request: FastifyRequest): Promise<Operator> {
    const operator = await caller(request);
    if (!matchesRule(options.auditReaders ?? ['*'], operator)) {
      throw new JitError('denied', `${operator.name} may not read this broker's audit`, { hint: 'ask whoever runs the broker to add you to auditReaders' });
    }
    return operator;
  }

  app.get('/v1/audit', { schema: requestSchemas('/v1/audit', 'get') }, async (request) => {
    await auditReader(request);
    const { after } = request.query as { after?: string };
    const page = await broker.auditPage(after === undefined ? 0 : Number(after), AUDIT_PAGE_EVENTS);
    return { ...page, more: page.head !== null && (page.events.at(-1)?.seq ?? Number(after ?? 0)) < page.head.seq };
  });

  app.get('/v1/audit/standing', async (request) => {
    await auditReader(request);
    return broker.standing();
  });

  // Any authenticated caller (a service holding a token from the same provider): what it learns is what
  // the token it was shown already says, and whether that still holds.
  app.post('/v1/introspect', { schema: requestSchemas('/v1/introspect', 'post') }, async (request) => {
    await caller(request);
    return broker.introspect((request.body as { token: string }).token);
  });

  app.post(
    routePath('/v1/grants/{id}/revoke'),
    // Only reasons a client may give: the broker's own (orphaned, expired, issue_failed, audit_failed) are never a client's to claim.
    { schema: requestSchemas('/v1/grants/{id}/revoke', 'post') },
    async (request) => {
      const { id } = request.params as { id: string };
      const { reason } = request.body as { reason: RevokeReason };
      return broker.revoke(await caller(request), id, reason);
    },
  );

  return app;
}
