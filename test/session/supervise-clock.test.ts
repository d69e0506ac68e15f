// The TTL is enforced on the wall clock: a machine resumed from sleep past the end ends the session at
// once, although the timers (which stop while it sleeps) would fire much later.
import { describe, expect, it } from 'vitest';
import { supervise } from '../../src/session/supervise.js';

describe('supervise and the wall clock', () => {
  it('ends the session within a tick once the wall clock passes the end, whatever the timers say', async () => {
    const started = Date.now();
    const expiresAt = started + 10 * 60_000;
    // The clock jumps 11 minutes after half a second, as after a suspend.
    const now = () => (Date.now() - started > 500 ? Date.now() + 11 * 60_000 : Date.now());
    const outcome = await supervise({
      command: 'sleep', args: ['300'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      expiresAtMs: expiresAt, heartbeatSeconds: 60, look: async () => ({ live: true }), warn: () => {}, now, graceMs: 200,
    });
    expect(outcome).toEqual({ kind: 'expired' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
