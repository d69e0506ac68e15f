// The processes of one session, and how to end them all when it ends: a cgroup of its own where the
// system allows one, else every process of this user whose environment carries the session's marker or
// its credential. Background jobs, `setsid` and double forks are found either way.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cgroupMembers, isSessionCgroup, killCgroup, PendingCgroup, removeCgroup, removeStaleCgroups } from '../platform/cgroup.js';
import { processesWithEnvironment } from '../platform/process-scan.js';

/** What a later jit run needs to find the session's processes again (kept in the session file). */
export interface ContainmentRecord {
  grantId: string;
  /** The jit that supervised the session; its session cgroup is named after it. */
  ownerPid: number;
  /** The session's cgroup directory, or null when it is found by its environment. */
  cgroup: string | null;
}

export interface SurvivorReport {
  containment: 'cgroup' | 'environment';
  /** Processes still running when the session ended. */
  found: number;
  /** Those that could not be ended, even with SIGKILL. */
  remaining: number[];
}

const CGROUP_PREFIX = 'jit-session-';

/**
 * Where the session's processes will be born: a cgroup of its own where the system allows one, made
 * ready in the background while the grant is issued. Abandon it when no session starts.
 */
export function prepareContainment(): PendingCgroup {
  return new PendingCgroup(`${CGROUP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** After `prepared.ready()`: starts the session's first process inside its cgroup if there is one; says where it went. */
export function startContained(prepared: PendingCgroup, start: () => ChildProcess): { child: ChildProcess; cgroup: string | null } {
  const { result, dir } = prepared.spawn(start);
  return { child: result, cgroup: dir ?? null };
}

/** Empty session cgroups that a killed jit left behind go; occupied ones are a session's, found by its file. */
export function removeStaleContainments(): void {
  removeStaleCgroups(CGROUP_PREFIX);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

/**
 * Ends what is left of a session: a hang-up first (as a closing terminal would), then SIGKILL after
 * `graceMs`. With nothing left it costs one read and no wait.
 */
export async function endSurvivors(record: ContainmentRecord, credentialValues: readonly string[], graceMs: number): Promise<SurvivorReport> {
  // A cgroup that is not this session's own (named for its jit) is never touched; the environment finds the session instead.
  if (record.cgroup !== null && !isSessionCgroup(record.cgroup, `${CGROUP_PREFIX}${record.ownerPid}-`)) record = { ...record, cgroup: null };
  const all = record.cgroup
    ? () => cgroupMembers(record.cgroup!)
    : () => processesWithEnvironment(`JIT_SESSION=${record.grantId}`, credentialValues);
  // SECURITY: jit never signals itself, even from inside the cgroup of the dead session it cleans up.
  const inside = all().includes(process.pid);
  const members = () => all().filter((pid) => pid !== process.pid);
  const containment = record.cgroup ? 'cgroup' : 'environment';
  const found = new Set<number>();
  // A session may still be forking while it is ended: every pass looks again and signals the newcomers.
  const hangUpNewcomers = (pids: number[]) => {
    const newcomers = pids.filter((pid) => !found.has(pid));
    newcomers.forEach((pid) => found.add(pid));
    signalAll(newcomers, 'SIGHUP');
    signalAll(newcomers, 'SIGCONT'); // a stopped job must wake to hear the hang-up
  };
  hangUpNewcomers(members());
  if (found.size > 0) {
    let left = members();
    for (const deadline = Date.now() + graceMs; left.length > 0 && Date.now() < deadline; left = members()) {
      hangUpNewcomers(left);
      await sleep(25);
    }
    for (const deadline = Date.now() + 1000; left.length > 0 && Date.now() < deadline; left = members()) {
      left.forEach((pid) => found.add(pid));
      if (record.cgroup && !inside) killCgroup(record.cgroup);
      else signalAll(left, 'SIGKILL');
      await sleep(25);
    }
  }
  const remaining = members();
  if (record.cgroup && all().length === 0) removeCgroup(record.cgroup);
  return { containment, found: found.size, remaining };
}
