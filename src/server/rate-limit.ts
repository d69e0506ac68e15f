// Token buckets by key (an operator's name, a client's address): a sustained rate with room for a
// burst. The broker is shared by a team; one script in a loop must not starve everyone else of it.

export interface RateLimitSettings {
  /** Requests per second, sustained. */
  perSecond: number;
  /** Requests at once, after a quiet spell. */
  burst: number;
}

/** Far above what a person's sessions need (a heartbeat per session every half minute, a few requests). */
export const DEFAULT_RATE_LIMIT: RateLimitSettings = { perSecond: 20, burst: 100 };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  // Insertion order is recency: the least recently seen key is the first one.
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    /** SECURITY: the memory a flood of distinct keys can take is bounded; the stalest bucket goes first. */
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  #refilled(key: string): Bucket {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.#buckets.delete(key);
    if (this.#buckets.size >= this.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    this.#buckets.set(key, bucket);
    return bucket;
  }

  /** Seconds until `key` may go on, or 0 when it may now; takes nothing. */
  waitFor(key: string): number {
    const bucket = this.#refilled(key);
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / this.perSecond);
  }

  /** Takes one request from `key`'s bucket: 0 when it may go on, else the seconds until it may. */
  take(key: string): number {
    const wait = this.waitFor(key);
    if (wait === 0) this.#buckets.get(key)!.tokens -= 1;
    return wait;
  }
}
