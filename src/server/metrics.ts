// What `jit serve` tells Prometheus at /metrics (text exposition format 0.0.4): decisions, grants live,
// how late TTL ends and revocations come, the store's latency, requests by route and status. Written
// here rather than taken from a library: a handful of series, and nothing else on the broker's path.
import { BlockList, isIP } from 'node:net';
import type { BrokerObserver } from '../broker/service.js';
import type { Store } from '../broker/store/store.js';

type Labels = Record<string, string>;

/** Whether an address (as the request names it) is one of `entries` (IPs, CIDR blocks). */
export function addressAllowList(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, family);
    else list.addSubnet(address!, Number(bits), family);
  }
  return (address) => {
    // An IPv4 client of a dual-stack socket is named ::ffff:a.b.c.d.
    const plain = address.replace(/^::ffff:/, '');
    return list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Who may read /metrics when the config does not say: this host only. */
export const DEFAULT_METRICS_FROM = ['127.0.0.0/8', '::1/128'];

const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([name, value]) => `${name}="${value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',')}}` : '';
};

class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }

  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.#values.values()].map(({ labels, value }) => `${this.name}${labelText(labels)} ${value}`)];
  }
}

class Histogram {
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    const series = this.#series.get(key) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((bound, i) => {
      if (value <= bound) series.counts[i]! += 1;
    });
    series.sum += value;
    series.count += 1;
    this.#series.set(key, series);
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`, `${this.name}_sum${labelText(labels)} ${sum}`, `${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines;
  }
}

const LATENESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class BrokerMetrics implements BrokerObserver {
  readonly decisions = new Counter('jit_decisions_total', 'Elevation requests decided, by outcome.');
  readonly requests = new Counter('jit_http_requests_total', 'API requests answered, by route and status.');
  readonly lateness = new Histogram('jit_expiry_lateness_seconds', 'How long after a grant\'s TTL the broker ended it (step="ended") and had its revocation verified (step="revoked").', LATENESS_BUCKETS);
  readonly storeLatency = new Histogram('jit_store_seconds', 'Store operations, by operation.', LATENCY_BUCKETS);

  decided(outcome: 'approved' | 'denied'): void {
    this.decisions.inc({ outcome });
  }

  ended(grant: { expiresAtMs: number }, reason: string, atMs: number): void {
    if (reason === 'expired') this.lateness.observe(Math.max(0, atMs - grant.expiresAtMs) / 1000, { step: 'ended' });
  }

  revocationSettled(grant: { expiresAtMs: number; revokeReason: string | null; revocation: string | null }, atMs: number): void {
    if (grant.revokeReason === 'expired' && grant.revocation === 'verified') this.lateness.observe(Math.max(0, atMs - grant.expiresAtMs) / 1000, { step: 'revoked' });
  }

  /** The text Prometheus scrapes; `live` counts the grants now issuing and active. */
  render(live: { issuing: number; active: number }): string {
    const gauge = ['# HELP jit_grants_live Grants issuing or active now.', '# TYPE jit_grants_live gauge', `jit_grants_live{state="issuing"} ${live.issuing}`, `jit_grants_live{state="active"} ${live.active}`];
    return [...gauge, ...this.decisions.render(), ...this.lateness.render(), ...this.storeLatency.render(), ...this.requests.render(), ''].join('\n');
  }

  /** The store, with the time of every call observed. */
  timed(store: Store): Store {
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        // Bound to the store itself: its private fields are not reachable through the proxy.
        if (property === 'close') return (value as () => Promise<void>).bind(target);
        return async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            this.storeLatency.observe((performance.now() - started) / 1000, { operation: String(property) });
          }
        };
      },
    });
  }
}
