// POST /webhooks/{system}: Jira, GitHub, GitLab and PagerDuty tell jit serve a ticket changed, and the live
// grants it allows are looked at in the system at once instead of at their next re-check. Unauthenticated
// as a webhook is: each delivery proves itself with the secret the role's `webhookSecret` names, is taken
// once (a retry or a replay of its id is answered, not acted on), and is believed about nothing but which
// tickets to look at.
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

export function registerTicketWebhooks(app: FastifyInstance, broker: Broker, failedAuth: RateLimiter): void {
  const deliveries = new DeliveryLog();
  void app.register(async (scope) => {
    // SECURITY: signatures are over the bytes received, so the body is kept as bytes, parsed only once proven.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));
    scope.post(routePath('/webhooks/{system}'), { schema: requestSchemas('/webhooks/{system}', 'post'), bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, async (request, reply) => {
      const { system } = request.params as { system: (typeof WEBHOOK_SYSTEMS)[number] };
      const secrets = await broker.webhookSecrets(system);
      if (secrets.length === 0) throw new JitError('not_found', `no role takes webhooks from ${system}`, { hint: `set ticket.webhookSecret on the roles whose tickets are in ${system}` });
      const raw = request.body;
      if (!Buffer.isBuffer(raw)) throw new JitError('usage', 'a webhook delivery is a JSON body', { hint: 'set the webhook’s content type to application/json' });
      const webhook = await ticketWebhookOf(system);
      if (!webhook.authentic({ headers: request.headers, raw }, secrets)) {
        // SECURITY: an address that keeps sending unsigned deliveries is slowed down, as failed logins are.
        const wait = failedAuth.take(request.ip);
        if (wait > 0) reply.header('retry-after', String(wait));
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
      const key = `${system}:${id}`;
      if (!deliveries.claim(key, Date.now())) return { status: 'duplicate' };
      const tickets = [...new Set(webhook.tickets(delivery))].slice(0, MAX_TICKETS);
      if (tickets.length === 0) return { status: 'ignored' };
      try {
        return { status: 'rechecked', grants: await broker.ticketsChanged(system, tickets) };
      } catch (error) {
        deliveries.release(key);
        throw error;
      }
    });
  });
}
