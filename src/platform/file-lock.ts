// A lock between processes on one machine, as a file created exclusively: for a read-modify-write of a
// shared file (a KRL) by several jit processes. Bounded: a holder that died is noticed by its pid.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { JitError } from '../core/errors.js';
import { isProcessAlive } from './process-identity.js';

const POLL_MS = 20;

function holderIsGone(path: string): boolean {
  try {
    const pid = Number(readFileSync(path, 'utf8'));
    return !Number.isInteger(pid) || pid <= 0 || !isProcessAlive({ pid, startTime: null });
  } catch {
    return false; // removed meanwhile, or not yet written: look again
  }
}

/** Runs `work` holding `path` (created 0600 with our pid, removed after); waits at most `timeoutMs` for it. */
export async function withFileLock<T>(path: string, timeoutMs: number, work: () => Promise<T> | T): Promise<T> {
  for (let waited = 0; ; waited += POLL_MS) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new JitError('os', `cannot create the lock ${path}: ${(error as Error).message}`, { hint: 'check that its directory exists and is writable', cause: error });
      }
      if (holderIsGone(path)) {
        rmSync(path, { force: true });
        continue;
      }
      if (waited >= timeoutMs) throw new JitError('unavailable', `${path} is held by another process`, { hint: 'wait and try again; remove the file if no jit is running' });
      await sleep(POLL_MS);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(path, { force: true });
  }
}
