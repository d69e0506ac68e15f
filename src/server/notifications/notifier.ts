// Notifications of what people should know (a request to decide, a decision, a revocation that did not
// work), sent after the audit has them. SECURITY: never in the way of a decision: committed events are
// queued and sent in the background, each retried with backoff, and a receiver that is slow, down or
// flooded costs the broker a bounded queue, nothing more. The audit stays the record; a notification
// lost to a crash is not.
import { randomUUID } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import type { AuditEvent } from '../../broker/records.js';
import type { Store } from '../../broker/store/store.js';
import { isNotified, signatureHeaders, slackBody, webhookBody, type Notice } from './messages.js';

export interface NotificationTargets {
  /** The generic webhook: JSON signed with the secret (HMAC-SHA256 over the timestamp and body). */
  webhook?: { url: string; secret: string };
  /** A Slack incoming webhook; its address is its secret. */
  slack?: { url: string };
}

export interface NotifierLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface NotifierOptions {
  /** Waits between attempts; one attempt more than there are waits. */
  backoffMs?: number[];
  attemptTimeoutMs?: number;
  now?: () => number;
}

/** About a minute of retries in all: a receiver down for longer learns of it from the audit. */
const BACKOFF_MS = [1000, 2000, 4000, 8000, 16000, 32000];
const ATTEMPT_TIMEOUT_MS = 5000;
/** Deliveries held at once; beyond it the oldest are dropped (and logged), not the broker's memory. */
const MAX_QUEUED = 1000;

interface Delivery {
  target: 'webhook' | 'slack';
  notice: Notice;
  attempt: number;
}

export class Notifier {
  readonly #targets: NotificationTargets;
  readonly #store: Store;
  readonly #log: NotifierLog;
  readonly #backoffMs: number[];
  readonly #attemptTimeoutMs: number;
  readonly #now: () => number;
  readonly #dispatcher: Dispatcher;
  readonly #queue: Delivery[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #sending = 0;
  #closed = false;

  constructor(targets: NotificationTargets, store: Store, log: NotifierLog, options: NotifierOptions = {}) {
    this.#targets = targets;
    this.#store = store;
    this.#log = log;
    this.#backoffMs = options.backoffMs ?? BACKOFF_MS;
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#dispatcher = new Agent({ connect: { timeout: this.#attemptTimeoutMs }, headersTimeout: this.#attemptTimeoutMs, bodyTimeout: this.#attemptTimeoutMs });
  }

  get configured(): boolean {
    return this.#targets.webhook !== undefined || this.#targets.slack !== undefined;
  }

  /** The store, telling this notifier of each commit's events once they are committed. */
  watch(store: Store): Store {
    if (!this.configured) return store;
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        // Bound to the store itself: its private fields are not reachable through the proxy.
        if (property !== 'commit') return (value as (...a: unknown[]) => unknown).bind(target);
        return async (...args: unknown[]) => {
          const committed = (await (value as (...a: unknown[]) => Promise<AuditEvent[] | undefined>).apply(target, args)) as AuditEvent[] | undefined;
          if (committed) this.observe(committed);
          return committed;
        };
      },
    });
  }

  /** Queues a notice of each event people are told about; returns at once. */
  observe(events: readonly AuditEvent[]): void {
    for (const event of events) {
      if (this.#closed || !isNotified(event)) continue;
      void this.#prepare(event);
    }
  }

  async #prepare(event: AuditEvent): Promise<void> {
    const request = event.requestId ? await this.#store.getRequest(event.requestId).catch(() => undefined) : undefined;
    const notice: Notice = { id: randomUUID(), event, request };
    if (this.#targets.webhook) this.#enqueue({ target: 'webhook', notice, attempt: 0 });
    if (this.#targets.slack) this.#enqueue({ target: 'slack', notice, attempt: 0 });
  }

  #enqueue(delivery: Delivery): void {
    if (this.#closed) return;
    this.#queue.push(delivery);
    if (this.#queue.length > MAX_QUEUED) {
      const dropped = this.#queue.shift()!;
      this.#log.warn({ target: dropped.target, event: dropped.notice.event.type, seq: dropped.notice.event.seq }, 'notification dropped: too many waiting');
    }
    this.#drain();
  }

  #drain(): void {
    // A few at a time: a flood of events never opens a flood of connections.
    while (!this.#closed && this.#sending < 4 && this.#queue.length > 0) {
      const delivery = this.#queue.shift()!;
      this.#sending++;
      void this.#send(delivery).finally(() => {
        this.#sending--;
        this.#drain();
      });
    }
  }

  async #send(delivery: Delivery): Promise<void> {
    const { target, notice } = delivery;
    let status: number | undefined;
    let problem: string | undefined;
    try {
      const body = target === 'webhook' ? webhookBody(notice) : slackBody(notice);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'jit-broker' };
      if (target === 'webhook') Object.assign(headers, { 'x-jit-delivery': notice.id, ...signatureHeaders(body, this.#targets.webhook!.secret, Math.floor(this.#now() / 1000)) });
      const url = target === 'webhook' ? this.#targets.webhook!.url : this.#targets.slack!.url;
      // SECURITY: redirects are not followed: a notification goes where the config says, or nowhere.
      const response = await request(url, { method: 'POST', headers, body, dispatcher: this.#dispatcher });
      await response.body.dump();
      status = response.statusCode;
      if (status >= 200 && status < 300) return;
    } catch (error) {
      problem = (error as { code?: string }).code ?? (error as Error).name;
    }
    // A receiver that refuses the notice itself (400, 403, 404…) would refuse it again; others are retried.
    const retryable = status === undefined || status === 408 || status === 429 || status >= 500;
    const wait = this.#backoffMs[delivery.attempt];
    if (!retryable || wait === undefined || this.#closed) {
      // SECURITY: where it went is not logged: a Slack address is its secret.
      this.#log.warn({ target, event: notice.event.type, seq: notice.event.seq, attempts: delivery.attempt + 1, status, problem }, 'notification not delivered');
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#enqueue({ ...delivery, attempt: delivery.attempt + 1 });
    }, wait);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Stops retrying; what is being sent gets a moment to arrive. */
  async close(graceMs = 2000): Promise<void> {
    this.#closed = true;
    this.#timers.forEach((timer) => clearTimeout(timer));
    const deadline = Date.now() + graceMs;
    while (this.#sending > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (this.#queue.length + this.#sending > 0) this.#log.warn({ left: this.#queue.length + this.#sending }, 'notifications not sent: the broker stopped');
    await this.#dispatcher.destroy();
  }
}
