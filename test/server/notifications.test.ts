// Notifications: sent after the audit has the event, signed (webhook) or readable (Slack), retried with
// backoff when the receiver fails, never retried when it refuses the notice, and never in the way of the
// commit that caused them.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/broker/records.js';
import type { Store } from '../../src/broker/store/store.js';
import { Notifier } from '../../src/server/notifications/notifier.js';
import { testBroker, type TestBroker } from '../support/broker.js';
import { until } from '../support/waits.js';

const SECRET = 'n'.repeat(40);

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback receiver that answers each delivery with the next status of `statuses` (200 once they run out), or never when `hang`. */
async function receiver(statuses: number[] = [], hang = false): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      if (hang) return;
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

/** What a receiver does with a delivery: the signature over timestamp and body, compared in constant time. */
function verified({ headers, body }: Received): boolean {
  const timestamp = String(headers['x-jit-timestamp']);
  const expected = Buffer.from(`v1=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(String(headers['x-jit-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

const servers: Server[] = [];
let env: TestBroker | undefined;
let notifier: Notifier | undefined;
afterEach(async () => {
  await notifier?.close(0);
  servers.splice(0).forEach((server) => server.closeAllConnections?.() ?? server.close());
  env?.remove();
  env = undefined;
  notifier = undefined;
  log.lines = [];
});

const log = { lines: [] as string[], warn(fields: Record<string, unknown>, message: string) {
  this.lines.push(`${message} ${JSON.stringify(fields)}`);
} };

const request = (id: string): RequestRecord => ({ id, role: 'prod', ticket: 'OPS-7', ticketVerified: false, requester: 'alice', reason: 'rotate <the> key & more', ttlSeconds: 1800, state: 'pending', createdAtMs: Date.now(), pendingUntilMs: Date.now() + 3600_000, renewsGrant: null });

const pending = (store: Store, id: string) =>
  store.commit({ insertRequest: request(id), events: [{ type: 'request.created', actor: 'user:alice@h', requestId: id, ticket: 'OPS-7', role: 'prod' }, { type: 'request.pending', actor: 'policy', requestId: id, ticket: 'OPS-7', role: 'prod', data: { required: 1 } }] });

describe('notifications', () => {
  it('a request to decide reaches the webhook signed, and Slack with the command that decides it', async () => {
    env = await testBroker();
    const hook = await receiver();
    const slack = await receiver();
    notifier = new Notifier({ webhook: { url: hook.url, secret: SECRET }, slack: { url: slack.url } }, env.store, log);
    await pending(notifier.watch(env.store), 'r_00000000000000000000000001');
    await until('both deliveries', () => hook.received.length === 1 && slack.received.length === 1);

    const delivered = hook.received[0]!;
    expect(verified(delivered)).toBe(true);
    expect(verified({ ...delivered, body: delivered.body.replace('alice', 'mallory') })).toBe(false);
    expect(JSON.parse(delivered.body)).toMatchObject({
      type: 'request.pending', role: 'prod', ticket: 'OPS-7', requestId: 'r_00000000000000000000000001',
      request: { requester: 'alice', reason: 'rotate <the> key & more', ttlSeconds: 1800, state: 'pending' },
      decide: { approve: 'jit approve r_00000000000000000000000001' },
    });
    expect(delivered.headers['x-jit-delivery']).toBe(JSON.parse(delivered.body).id);

    const message = JSON.parse(slack.received[0]!.body) as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[] };
    expect(message.text).toBe('alice asks for prod on OPS-7: approval needed');
    expect(message.blocks[1]!.fields!.map((field) => field.text)).toEqual(['*Role*\nprod', '*Ticket*\nOPS-7', '*Requester*\nalice', '*TTL*\n30m', '*Reason*\nrotate &lt;the&gt; key &amp; more']);
    expect(message.blocks[2]!.elements![0]!.text).toContain('`jit approve r_00000000000000000000000001`');
    // request.created is on the record, not news.
    expect(hook.received.map((got) => JSON.parse(got.body).type)).toEqual(['request.pending']);
  });

  it('retries a failing receiver with backoff under the same delivery id; a refusal is not retried', async () => {
    env = await testBroker();
    const flaky = await receiver([503, 500]);
    notifier = new Notifier({ webhook: { url: flaky.url, secret: SECRET } }, env.store, log, { backoffMs: [50, 100, 200] });
    await pending(notifier.watch(env.store), 'r_00000000000000000000000002');
    await until('the third attempt', () => flaky.received.length === 3);
    expect(new Set(flaky.received.map((got) => got.headers['x-jit-delivery'])).size).toBe(1);
    expect(flaky.received.every(verified)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(flaky.received).toHaveLength(3);

    const refusing = await receiver([400]);
    const second = new Notifier({ webhook: { url: refusing.url, secret: SECRET } }, env.store, log, { backoffMs: [50, 100] });
    await pending(second.watch(env.store), 'r_00000000000000000000000003');
    await until('the one attempt', () => refusing.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(refusing.received).toHaveLength(1);
    expect(log.lines.some((line) => line.startsWith('notification not delivered') && line.includes('"status":400'))).toBe(true);
    await second.close(0);
  });

  it('a receiver that never answers holds up no commit, and gives up after its attempts', async () => {
    env = await testBroker();
    const silent = await receiver([], true);
    notifier = new Notifier({ webhook: { url: silent.url, secret: SECRET } }, env.store, log, { backoffMs: [50], attemptTimeoutMs: 300 });
    const watched = notifier.watch(env.store);
    const started = Date.now();
    for (let n = 0; n < 5; n++) await pending(watched, `r_0000000000000000000000001${n}`);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await env.store.listRequests({ states: ['pending'] })).length).toBe(5);
    await until('every delivery given up', () => log.lines.filter((line) => line.startsWith('notification not delivered') && line.includes('"attempts":2')).length === 5, 10_000);
  });

  it('sends nothing for an approval the policy gave at once, and nothing at all when no target is named', async () => {
    env = await testBroker();
    const hook = await receiver();
    notifier = new Notifier({ webhook: { url: hook.url, secret: SECRET } }, env.store, log);
    const id = 'r_00000000000000000000000020';
    await notifier.watch(env.store).commit({ insertRequest: { ...request(id), state: 'approved', pendingUntilMs: null }, events: [{ type: 'request.approved', actor: 'policy', requestId: id, data: { approvals: 0 } }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hook.received).toEqual([]);
    const none = new Notifier({}, env.store, log);
    expect(none.watch(env.store)).toBe(env.store);
    await none.close(0);
  });
});
