// The session a process runs in, found in its ancestors' environments when its own no longer says.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionOfAncestors } from '../../src/platform/ancestry.js';
import { until } from '../support/waits.js';

const GRANT = 'g_0123456789abcdefghijklmnop';
let shell: ChildProcess | undefined;
afterEach(() => {
  shell?.kill('SIGKILL');
  shell = undefined;
});

/** Starts `sh` with JIT_SESSION=value, running `sleep` with JIT_SESSION removed; returns sleep's pid. */
async function sleeperUnder(value: string): Promise<number> {
  // `; true` keeps sh waiting as sleep's parent instead of exec'ing it.
  shell = spawn('sh', ['-c', 'env -u JIT_SESSION sleep 30; true'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', JIT_SESSION: value }, stdio: 'ignore' });
  let pid: number | undefined;
  await until('sleep to start under sh', () => {
    const found = spawnSync('pgrep', ['-P', String(shell!.pid), 'sleep'], { encoding: 'utf8' }).stdout.trim();
    pid = found ? Number(found) : undefined;
    return pid !== undefined && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('env');
  });
  return pid!;
}

describe.runIf(process.platform === 'linux')('session of the ancestors (Linux /proc)', () => {
  it('finds the grant id in an ancestor when the process itself has no JIT_SESSION', async () => {
    const pid = await sleeperUnder(GRANT);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain('JIT_SESSION');
    expect(sessionOfAncestors(pid)).toBe(GRANT);
  });

  it('ignores a JIT_SESSION that is not a grant id', async () => {
    const pid = await sleeperUnder('g_forged\u001b[2J');
    // What lies above this test runner (nothing, unless it runs inside a jit session) is all it finds.
    expect(sessionOfAncestors(pid)).toBe(sessionOfAncestors(process.pid));
    expect(sessionOfAncestors(pid)).not.toBe('g_forged\u001b[2J');
  });

  it('stops at pid 1 and at a process that no longer exists', () => {
    expect(sessionOfAncestors(1)).toBeUndefined();
    expect(sessionOfAncestors(2 ** 22 + 1)).toBeUndefined();
  });
});
