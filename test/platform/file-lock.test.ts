// The lock several jit processes take around a KRL: one holder at a time, a dead holder's lock taken
// over (by pid and start time, so a recycled pid does not keep it), a live one's never.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withFileLock } from '../../src/platform/file-lock.js';
import { currentProcess } from '../../src/platform/process-identity.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const lockIn = () => join((dir = mkdtempSync(join(tmpdir(), 'jit-lock-'))), 'krl.lock');

describe('file lock', () => {
  it('lets one call at a time in, within a process, and names its holder while held', async () => {
    const lock = lockIn();
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        withFileLock(lock, 2000, async () => {
          most = Math.max(most, ++inside);
          expect(readFileSync(lock, 'utf8')).toBe(`${process.pid} ${currentProcess().startTime}\n`);
          await new Promise((resolve) => setTimeout(resolve, 10));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over the lock of a holder that is gone, or whose pid now belongs to another process', async () => {
    const lock = lockIn();
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(lock, `${gone.pid} 1\n`);
    expect(await withFileLock(lock, 1000, () => 'in')).toBe('in');
    // Our own pid, but not our start: a process before us that had this pid.
    writeFileSync(lock, `${process.pid} 1\n`);
    expect(await withFileLock(lock, 1000, () => 'in again')).toBe('in again');
    writeFileSync(lock, 'not a holder\n');
    expect(await withFileLock(lock, 1000, () => 'and again')).toBe('and again');
  });

  it('waits for a live holder, and gives up with 69 after its time', async () => {
    const lock = lockIn();
    const holder = spawn('sleep', ['5']);
    const start = readFileSync(`/proc/${holder.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    writeFileSync(lock, `${holder.pid} ${start}\n`);
    try {
      await expect(withFileLock(lock, 200, () => 'in')).rejects.toMatchObject({ exitCode: 69, message: `${lock} is held by another process` });
      expect(readFileSync(lock, 'utf8')).toBe(`${holder.pid} ${start}\n`);
    } finally {
      holder.kill();
    }
  });
});
