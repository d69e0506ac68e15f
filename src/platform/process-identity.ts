// Identifies a process by pid *and* start time, so a recycled pid is never mistaken for
// the jit that owns a grant.
import { readFileSync } from 'node:fs';

/**
 * How `jit revoke` wakes the jit supervising a grant. SECURITY: SIGURG's default action is to ignore
 * it and no runtime gives it a meaning, so a wake-up that arrives before or after supervision does
 * nothing (SIGUSR1 would start Node's debugger, or kill jit when that is disabled).
 */
export const WAKE_SIGNAL: NodeJS.Signals = 'SIGURG';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (Linux); null where the OS does not tell. */
  startTime: string | null;
}

function readStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, startTime: readStartTime(process.pid) };
}

export function isProcessAlive(identity: ProcessIdentity): boolean {
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (identity.startTime === null) return true;
  return readStartTime(identity.pid) === identity.startTime;
}
