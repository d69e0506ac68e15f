// POST /webhooks/{system}: Jira, GitHub, GitLab and PagerDuty tell jit serve a ticket changed, and the live
// grants it allows are looked at in the system at once instead of at their next re-check. Unauthenticated
// as a webhook is: each delivery proves itself with the secret the role's `webhookSecret` names, is taken
// once (a retry or a replay of its id is answered, not acted on), and is believed about nothing but which
// tickets to look at.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Broker } from '../broker/service.js';
import { ticketWebhookOf, WEBHOOK_SYSTEMS } from '../broker/tickets/registry.js';
import { JitError } from '../core/errors.js';
import { requestSchemas, routePath } from './api-document.js';
import { RateLimiter } from './rate-limit.js';

/** Far above an issue event (tens of KiB); a bigger body is refused before it is read whole. */
const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/** Deliveries remembered, and for how long: vendors retry for hours at most. */
const REMEMBERED_DELIVERIES = 10_000;
const REMEMBER_MS = 24 * 3600 * 1000;
/** Tickets one delivery may name (a moved Jira issue names two). */
const MAX_TICKETS = 10;

/** Delivery ids seen lately, oldest first; beyond the bound the oldest is forgotten. */
class DeliveryLog {
  readonly #seen = new Map<string, number>();

  /** Whether the delivery is new, noting it if so. */
  claim(key: string, now: number): boolean {
    for (const [oldest, at] of this.#seen) {
      if (now - at < REMEMBER_MS && this.#seen.size < REMEMBERED_DELIVERIES) break;
      this.#seen.delete(oldest);
    }
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, now);
    return true;
  }

  /** Forgets a delivery that could not be acted on, so that the vendor's retry is. */
  release(key: string): void {
    this.#seen.delete(key);
  }
}

/** Unsigned or mis-signed deliveries each address may send to each system: then it waits (429) before anything is checked. */
const FAILED_DELIVERIES = { perSecond: 1, burst: 20 };

export function registerTicketWebhooks(app: FastifyInstance, broker: Broker): void {
  const failedDeliveries = new RateLimiter(FAILED_DELIVERIES.perSecond, FAILED_DELIVERIES.burst);
  const deliveries = new DeliveryLog();
  void app.register(async (scope) => {
    // SECURITY: signatures are over the bytes received, so the body is kept as bytes, parsed only once proven.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));
    scope.post(routePath('/webhooks/{system}'), { schema: requestSchemas('/webhooks/{system}', 'post'), bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, async (request, reply) => {
      const { system } = request.params as { system: (typeof WEBHOOK_SYSTEMS)[number] };
      const held = await broker.webhookSecrets(system);
      if (!held) throw new JitError('not_found', `no role takes webhooks from ${system}`, { hint: `set ticket.webhookSecret on the roles whose tickets are in ${system}` });
      // SECURITY: which secret could not be read (a variable's name, a path) is for the broker's log, not the caller.
      if (held.problems.length) request.log.error({ system, problems: held.problems }, 'webhook secrets unreadable');
      if (held.secrets.length === 0) throw new JitError('unavailable', `the broker cannot read its webhook secret for ${system}`, { hint: 'whoever runs the broker: its log says which' });
      const raw = request.body;
      if (!Buffer.isBuffer(raw)) throw new JitError('usage', 'a webhook delivery is a JSON body', { hint: 'set the webhook’s content type to application/json' });
      const webhook = await ticketWebhookOf(system);
      // SECURITY: an address that keeps sending unsigned deliveries waits before any more are even checked:
      // a secret (GitLab's is sent as is) cannot be guessed at speed.
      const sender = `${system} ${request.ip}`;
      const waiting = failedDeliveries.waitFor(sender);
      if (waiting > 0) {
        reply.header('retry-after', String(waiting));
        throw new JitError('rate_limited', `too many unsigned deliveries to ${system} from this address; try again in ${waiting}s`);
      }
      if (!webhook.authentic({ headers: request.headers, raw }, held.secrets)) {
        failedDeliveries.take(sender);
        throw new JitError('unauthenticated', `the delivery is not signed with the secret jit serve holds for ${system}`, { hint: 'set the same secret in the webhook and in the role’s ticket.webhookSecret' });
      }
      let payload: unknown;
      try {
        payload = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new JitError('usage', 'the delivery’s body is not JSON');
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new JitError('usage', 'the delivery’s body is not a JSON object');
      const delivery = { headers: request.headers, raw, payload: payload as Record<string, unknown> };
      const id = webhook.deliveryId(delivery);
      if (!id) throw new JitError('usage', `the delivery carries no id of its own (${system} names each delivery)`, { hint: 'a delivery without one cannot be told from a replay' });
      // SECURITY: the id is a header, outside the signature: a captured delivery sent again under new ids
      // is known by its body, which the signature covers (and which carries the event's own time).
      const keys = [`${system}:id:${id}`, `${system}:body:${createHash('sha256').update(raw).digest('hex')}`];
      const now = Date.now();
      if (!keys.every((key) => deliveries.claim(key, now))) return { status: 'duplicate' };
      const tickets = [...new Set(webhook.tickets(delivery))].slice(0, MAX_TICKETS);
      if (tickets.length === 0) return { status: 'ignored' };
      try {
        return { status: 'rechecked', grants: await broker.ticketsChanged(system, tickets) };
      } catch (error) {
        // Not acted on: the system's retry (same id, same body) will be.
        for (const key of keys) deliveries.release(key);
        throw error;
      }
    });
  });
}
