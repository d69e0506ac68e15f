// Tells the jit supervising a revoked grant to end its session now rather than at its next heartbeat.
import type { Grant } from './contract.js';
import { isProcessAlive, WAKE_SIGNAL } from '../platform/process-identity.js';

/**
 * SECURITY: only a process proven to be the owner is signalled: same pid *and* start time (a recycled
 * pid has another), never this process. The signal only makes it ask the broker at once.
 */
export function wakeOwner(owner: Grant['owner']): void {
  if (owner.pid === process.pid || owner.startTime === null || !isProcessAlive({ pid: owner.pid, startTime: owner.startTime })) return;
  try {
    process.kill(owner.pid, WAKE_SIGNAL);
  } catch {
    // It ends at its next heartbeat instead.
  }
}
