// A lock between processes on one machine, for a read-modify-write of a shared file (a KRL) by several
// jit processes; calls within one process take turns before they take the file. The lock file names its
// holder (pid and start time) from the moment it exists (written aside, then linked into place), so a
// waiter never takes a lock being made for a dead one; a holder that died, or whose pid now belongs to
// another process, is noticed and its lock taken over. Bounded: a waiter gives up after `timeoutMs`.
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { JitError } from '../core/errors.js';
import { currentProcess, isProcessAlive } from './process-identity.js';

const POLL_MS = 20;
const turns = new Map<string, Promise<unknown>>();

function holderOf(text: string): { pid: number; startTime: string | null } | undefined {
  const match = /^([1-9][0-9]{0,9}) ([0-9]{1,20}|-)$/.exec(text.trim());
  return match ? { pid: Number(match[1]), startTime: match[2] === '-' ? null : match[2]! } : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Takes over `path` if it still holds `stale`: moved aside first, so a lock made meanwhile is never removed. */
function takeOver(path: string, stale: string): void {
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: someone else took it over
  }
  if (read(aside) !== stale) {
    // A fresh lock was made between our look and the move: it goes back, unless yet another took its place.
    try {
      linkSync(aside, path);
    } catch {
      // Another waiter holds the place now; the one moved aside is lost to its maker, who finds out at release.
    }
  }
  rmSync(aside, { force: true });
}

async function acquire(path: string, timeoutMs: number): Promise<string> {
  const me = currentProcess();
  const mine = `${me.pid} ${me.startTime ?? '-'}\n`;
  const aside = `${path}.${randomBytes(6).toString('hex')}.new`;
  try {
    writeFileSync(aside, mine, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new JitError('os', `cannot create the lock ${path}: ${(error as Error).message}`, { hint: 'check that its directory exists and is writable', cause: error });
  }
  try {
    for (let waited = 0; ; waited += POLL_MS) {
      try {
        // SECURITY: link() makes the lock appear whole, holder and all, or not at all.
        linkSync(aside, path);
        return mine;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new JitError('os', `cannot create the lock ${path}: ${(error as Error).message}`, { hint: 'check that its directory exists and is writable', cause: error });
        }
      }
      const current = read(path);
      const holder = current === undefined ? undefined : holderOf(current);
      if (current !== undefined && (!holder || !isProcessAlive(holder))) {
        takeOver(path, current);
        continue;
      }
      if (waited >= timeoutMs) throw new JitError('unavailable', `${path} is held by another process`, { hint: 'wait and try again; remove the file if no jit is running' });
      await sleep(POLL_MS);
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Runs `work` holding `path`; waits at most `timeoutMs` for it. */
export function withFileLock<T>(path: string, timeoutMs: number, work: () => Promise<T> | T): Promise<T> {
  const previous = turns.get(path) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(async () => {
    const mine = await acquire(path, timeoutMs);
    try {
      return await work();
    } finally {
      // Only our own: a lock taken over from us (we were judged dead) is its new holder's.
      if (read(path) === mine) rmSync(path, { force: true });
    }
  });
  turns.set(path, run);
  void run.catch(() => {}).then(() => {
    if (turns.get(path) === run) turns.delete(path);
  });
  return run;
}
