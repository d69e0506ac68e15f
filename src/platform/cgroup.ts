// A cgroup v2 of jit's own for each session, where the system lets this user make one (root, or a
// delegated systemd user slice). Every process the session starts is born inside it, whatever it does
// afterwards (setsid, double fork), so the session can be ended whole with cgroup.kill.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where cgroup v2 is mounted and which cgroup this process is in; undefined without cgroup v2. */
function ownCgroup(): { mount: string; path: string } | undefined {
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((entry) => entry.startsWith('0::'));
    // mountinfo: "… mount-point … - cgroup2 …": the fifth field, before the separator.
    const mount = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((entry) => entry.split(' '))
      .find((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2')?.[4];
    if (!line || !mount) return undefined;
    return { mount, path: line.slice(3).trim() };
  } catch {
    return undefined;
  }
}

function writeProcs(dir: string, pid: number): boolean {
  try {
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `start` with this process moved into a new cgroup `name` below its own, so whatever `start`
 * forks is born there, then moves back. Returns the cgroup's directory, or undefined (and nothing
 * changed) where the system does not allow it.
 */
export function spawnInNewCgroup<T>(name: string, start: () => T): { result: T; dir: string | undefined } {
  const own = ownCgroup();
  const home = own && join(own.mount, own.path);
  const dir = home && join(home, name);
  if (!home || !dir) return { result: start(), dir: undefined };
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch {
    return { result: start(), dir: undefined };
  }
  if (!writeProcs(dir, process.pid)) {
    rmdirSafe(dir);
    return { result: start(), dir: undefined };
  }
  try {
    return { result: start(), dir };
  } finally {
    // SECURITY: jit must not stay in the session's cgroup, or ending the session would end jit.
    if (!writeProcs(home, process.pid)) throw new Error(`could not leave the session cgroup ${dir}`);
  }
}

export function cgroupMembers(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** SIGKILLs everything in the cgroup at once (cgroup.kill, Linux 5.14+), else one process at a time. */
export function killCgroup(dir: string): void {
  const kill = join(dir, 'cgroup.kill');
  if (existsSync(kill)) {
    try {
      writeFileSync(kill, '1');
      return;
    } catch {
      // Fall through to one at a time.
    }
  }
  for (const pid of cgroupMembers(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

function rmdirSafe(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Removes the cgroup once it is empty; false while processes remain. */
export function removeCgroup(dir: string): boolean {
  return !existsSync(dir) || rmdirSafe(dir);
}
