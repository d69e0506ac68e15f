// What a ticket system's webhook delivery is to jit: proof that the system sent it (a signature or a
// shared secret, checked in constant time), the delivery's own id (so a retry or a replay is seen once),
// and the tickets it is about. What it says of them is never believed: it only brings a look forward.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface WebhookDelivery {
  headers: IncomingHttpHeaders;
  /** The body exactly as received: signatures are over these bytes. */
  raw: Buffer;
  /** The body parsed as JSON (an object); read only after `authentic`. */
  payload: Record<string, unknown>;
}

export interface TicketWebhook {
  /** Whether one of `secrets` signed (or is) this delivery. SECURITY: every comparison takes the same time whatever matches. */
  authentic(delivery: Omit<WebhookDelivery, 'payload'>, secrets: string[]): boolean;
  /** The delivery's id as the system gives it; undefined when it gives none. */
  deliveryId(delivery: WebhookDelivery): string | undefined;
  /** The tickets it is about, in the system's own form (OPS-1, acme/orders#12); none for events about something else. */
  tickets(delivery: WebhookDelivery): string[];
}

/** Whether two secrets (or signatures) are the same, in time that depends on neither. */
export function sameSecret(given: string, expected: string): boolean {
  // SECURITY: digests first, so that lengths differing is no shortcut and timingSafeEqual always compares 32 bytes.
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

/** HMAC-SHA256 of the body under the secret, in hex: what GitHub, Jira and PagerDuty sign with. */
export function hmacHex(secret: string, raw: Buffer): string {
  return createHmac('sha256', secret).update(raw).digest('hex');
}

/** Whether any of `given` is the body's HMAC under any of `secrets`; every pair is compared, none skipped. */
export function anySigned(given: string[], secrets: string[], raw: Buffer): boolean {
  let found = false;
  for (const secret of secrets) {
    const expected = hmacHex(secret, raw);
    for (const signature of given) found = sameSecret(signature, expected) || found;
  }
  return found;
}

/** A header's one value, when it is one (a repeated header is none). */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** A delivery id fit for a map key and a log line: printable, bounded. */
export function deliveryIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x21-\x7e]{1,128}$/.test(value) ? value : undefined;
}

/** The object at `key`, or an empty one. */
export function objectAt(value: unknown, key: string): Record<string, unknown> {
  const found = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof found === 'object' && found !== null && !Array.isArray(found) ? (found as Record<string, unknown>) : {};
}
