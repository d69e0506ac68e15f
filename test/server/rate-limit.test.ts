// Token buckets: a burst, then the sustained rate, and bounded memory however many keys arrive.
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/server/rate-limit.js';

describe('rate limiter', () => {
  it('allows a burst, then refuses with the seconds to wait, then refills at the sustained rate', () => {
    const clock = { now: 1_000_000 };
    const limiter = new RateLimiter(2, 3, 100, () => clock.now);
    expect([limiter.take('alice'), limiter.take('alice'), limiter.take('alice')]).toEqual([0, 0, 0]);
    expect(limiter.take('alice')).toBe(1);
    // Someone else is not held up by alice.
    expect(limiter.take('bob')).toBe(0);
    clock.now += 500; // one request's worth at 2/s
    expect(limiter.take('alice')).toBe(0);
    expect(limiter.take('alice')).toBe(1);
    // A long quiet spell refills to the burst, no further.
    clock.now += 60_000;
    expect([0, 1, 2, 3].map(() => limiter.take('alice'))).toEqual([0, 0, 0, 1]);
  });

  it('looking does not take, and a flood of distinct keys keeps at most maxKeys buckets', () => {
    const limiter = new RateLimiter(1, 1, 3, () => 0);
    expect(limiter.waitFor('a')).toBe(0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.waitFor('a')).toBe(1);
    for (let i = 0; i < 1000; i++) limiter.take(`key-${i}`);
    // `a` was the stalest and went: it starts full again, which costs only memory already bounded.
    expect(limiter.waitFor('a')).toBe(0);
  });
});
