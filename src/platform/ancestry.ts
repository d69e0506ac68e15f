// The jit session this process runs in, found through its ancestors. JIT_SESSION in our own
// environment is what a session says of itself, but anything on the way down may remove it
// (`env -u JIT_SESSION jit exec …`); the processes above us still hold theirs. Linux only (/proc).
import { readFileSync } from 'node:fs';
import { isGrantId } from '../core/identifiers.js';

/** Process trees are rarely more than a dozen deep; the bound keeps a broken /proc from looping. */
const MAX_STEPS = 64;

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: the fields after the last ')' are state, then ppid.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function sessionIn(pid: number): string | undefined {
  let environ: string;
  try {
    // The environment the process was started with; another user's is unreadable, and skipped.
    environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  const entry = environ.split('\0').find((variable) => variable.startsWith('JIT_SESSION='));
  const value = entry?.slice('JIT_SESSION='.length);
  return value !== undefined && isGrantId(value) ? value : undefined;
}

/** The pids from `pid` up to (not including) pid 1, nearest first, at most 64 of them. */
export function ancestorPids(pid: number = process.ppid): number[] {
  if (process.platform !== 'linux') return [];
  const pids: number[] = [];
  for (let current: number | undefined = pid; current !== undefined && current > 1 && pids.length < MAX_STEPS; current = parentOf(current)) {
    pids.push(current);
  }
  return pids;
}

/**
 * The first JIT_SESSION that looks like a grant id in the environment of `pid` (by default our parent)
 * or of its ancestors; undefined when there is none, or off Linux.
 */
export function sessionOfAncestors(pid: number = process.ppid): string | undefined {
  for (const ancestor of ancestorPids(pid)) {
    const session = sessionIn(ancestor);
    if (session) return session;
  }
  return undefined;
}
