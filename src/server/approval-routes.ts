// /v1/requests: requests that wait for approvals, as their requesters and approvers reach them: listed,
// looked at (a long poll while they wait), approved, denied, and, once approved, turned into their grant.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ElevationRequest, SeenRequest } from '../backends/contract.js';
import type { Broker } from '../broker/service.js';
import { JitError } from '../core/errors.js';
import type { Operator } from '../platform/operator.js';
import { requestSchemas, routePath } from './api-document.js';

/** How often a long poll looks again: a decision made on another replica is seen within this. */
const POLL_MS = 500;
/** Long polls one person may hold open at once (a requester waits on one; a few terminals are fine). */
const WAITS_PER_CALLER = 4;

export function registerApprovalRoutes(app: FastifyInstance, broker: Broker, caller: (request: FastifyRequest) => Promise<Operator>): void {
  const notFound = (id: string) => new JitError('not_found', `there is no request ${id} you may see`, { hint: '`jit requests` lists those you may decide, and yours' });

  // Set as the broker shuts down: a long poll answers at once rather than holding the shutdown for its wait.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  app.get('/v1/requests', { schema: requestSchemas('/v1/requests', 'get') }, async (request) => {
    const { pending } = request.query as { pending?: string };
    return broker.requests(await caller(request), { pending: pending === 'true' });
  });

  // SECURITY: each held wait costs a look twice a second; one person holds only a few (in this replica).
  const waits = new Map<string, number>();
  app.get(routePath('/v1/requests/{id}'), { schema: requestSchemas('/v1/requests/{id}', 'get') }, async (request) => {
    const operator = await caller(request);
    const { id } = request.params as { id: string };
    const { wait } = request.query as { wait?: string };
    const held = waits.get(operator.name) ?? 0;
    if (Number(wait ?? 0) > 0 && held >= WAITS_PER_CALLER) {
      throw new JitError('rate_limited', `${operator.name} already waits on ${WAITS_PER_CALLER} requests at once`, { hint: 'wait on one request at a time' });
    }
    waits.set(operator.name, held + 1);
    try {
      // Bounded: at most 30 s, looked at twice a second, and given up early if the client went away.
      const deadline = Date.now() + Number(wait ?? 0) * 1000;
      for (;;) {
        const seen = await broker.pendingRequest(operator, id);
        if (!seen) throw notFound(id);
        if (seen.state !== 'pending' || Date.now() + POLL_MS > deadline || request.raw.destroyed || closing) return seen;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } finally {
      const left = (waits.get(operator.name) ?? 1) - 1;
      if (left > 0) waits.set(operator.name, left);
      else waits.delete(operator.name);
    }
  });

  app.post(routePath('/v1/requests/{id}/approve'), { schema: requestSchemas('/v1/requests/{id}/approve', 'post') }, async (request) => {
    const { id } = request.params as { id: string };
    const { reason, seen } = request.body as { reason?: string; seen?: SeenRequest };
    return broker.approve(await caller(request), id, reason, seen);
  });

  app.post(routePath('/v1/requests/{id}/deny'), { schema: requestSchemas('/v1/requests/{id}/deny', 'post') }, async (request) => {
    const { id } = request.params as { id: string };
    const { reason } = request.body as { reason: string };
    return broker.deny(await caller(request), id, reason);
  });

  app.post(routePath('/v1/requests/{id}/grant'), { schema: requestSchemas('/v1/requests/{id}/grant', 'post') }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const issued = await broker.claim(await caller(request), id, request.body as Pick<ElevationRequest, 'owner' | 'publicKey' | 'parentSession'>);
    return reply.status(201).send(issued);
  });
}
