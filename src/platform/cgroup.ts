// A cgroup v2 of jit's own for each session, where the system lets this user make one (root, or a
// delegated systemd user slice). Every process the session starts is born inside it, whatever it does
// afterwards (setsid, double fork), so the session can be ended whole with cgroup.kill.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, write, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, normalize } from 'node:path';

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

/**
 * Whether `dir` can be a session cgroup jit made: a `<prefix>…` directory, by a normalized absolute
 * path, inside a cgroup v2 mount. SECURITY: a session file names the cgroup a later run kills; a forged
 * or damaged one must not point it at anything else (a system service, the user's whole slice).
 */
export function isSessionCgroup(dir: string, prefix: string): boolean {
  if (!isAbsolute(dir) || normalize(dir) !== dir || !basename(dir).startsWith(prefix)) return false;
  try {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((entry) => entry.split(' '))
      .filter((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2')
      .map((fields) => fields[4]!);
    return mounts.some((mount) => dir.startsWith(`${mount}/`)) && existsSync(join(dir, 'cgroup.procs'));
  } catch {
    return false;
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
 * A cgroup for a session, entered ahead of time: this process moves into a new cgroup `name` below its
 * own now, in the background, because a move waits for an RCU grace period (~10 ms) that can pass while
 * the grant is being issued. `spawn` then starts the child inside it and moves this process back out.
 */
export class PendingCgroup {
  readonly #ready: Promise<{ dir: string; home: string } | undefined>;
  #entered: { dir: string; home: string } | undefined;

  constructor(name: string) {
    this.#ready = enter(name).then((entered) => (this.#entered = entered));
  }

  /** Resolves once this process is in the cgroup, with its directory (undefined: there will be none). */
  async ready(): Promise<string | undefined> {
    return (await this.#ready)?.dir;
  }

  /** After `ready()`: runs `start` inside the cgroup if there is one, then leaves it; returns its directory. */
  spawn<T>(start: () => T): { result: T; dir: string | undefined } {
    const entered = this.#entered;
    if (!entered) return { result: start(), dir: undefined };
    this.#entered = undefined;
    try {
      return { result: start(), dir: entered.dir };
    } finally {
      leave(entered);
    }
  }

  /**
   * After `ready()`: moves `pid`, a helper this process started for itself while inside the cgroup (the
   * session's ssh-agent), back out, so that ending the session's processes does not end it.
   */
  release(pid: number): void {
    const entered = this.#entered;
    if (entered && !writeProcs(entered.home, pid)) throw new Error(`could not move process ${pid} out of the session cgroup ${entered.dir}`);
  }

  /** Leaves and removes the cgroup when no session started in it. */
  async abandon(): Promise<void> {
    await this.#ready;
    const entered = this.#entered;
    if (!entered) return;
    this.#entered = undefined;
    leave(entered);
    removeCgroup(entered.dir);
  }
}

async function enter(name: string): Promise<{ dir: string; home: string } | undefined> {
  const own = ownCgroup();
  if (!own) return undefined;
  const home = join(own.mount, own.path);
  const dir = join(home, name);
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch {
    // SECURITY: a directory this run did not make (the name taken already) is never joined or removed.
    return undefined;
  }
  let procs: number;
  try {
    procs = openSync(join(dir, 'cgroup.procs'), 'w');
  } catch {
    rmdirSafe(dir);
    return undefined;
  }
  // Only the move waits for the grace period: one write on libuv's pool, started now. Each step of an
  // asynchronous mkdir or writeFile would wait for the main thread, busy issuing, and start the wait late.
  const moved = await new Promise<boolean>((resolve) => write(procs, String(process.pid), (error) => resolve(!error)));
  closeSync(procs);
  if (moved) return { dir, home };
  rmdirSafe(dir);
  return undefined;
}

function leave({ dir, home }: { dir: string; home: string }): void {
  // SECURITY: jit must not stay in the session's cgroup, or ending the session would end jit.
  if (!writeProcs(home, process.pid)) throw new Error(`could not leave the session cgroup ${dir}`);
}

/**
 * Removes the empty session cgroups (`<prefix><pid>-…`) below this process's own whose jit is dead: a
 * killed jit leaves one behind. One whose jit lives may be about to receive its session: left alone.
 */
export function removeStaleCgroups(prefix: string): void {
  const own = ownCgroup();
  if (!own) return;
  const home = join(own.mount, own.path);
  let names: string[];
  try {
    names = readdirSync(home).filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || processExists(pid)) continue;
    // An occupied cgroup refuses rmdir (EBUSY): only empty ones go.
    removeCgroup(join(home, name));
  }
}

/** Subdirectories first, then the directory: the order rmdir needs. */
function cgroupTree(dir: string, depth = 0): string[] {
  let children: string[] = [];
  try {
    if (depth < 32) children = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => join(dir, entry.name));
  } catch {
    // Gone, or not ours to read.
  }
  return [...children.flatMap((child) => cgroupTree(child, depth + 1)), dir];
}

/** Every process in the cgroup and in any cgroup below it (a session may make its own below). */
export function cgroupMembers(dir: string): number[] {
  return cgroupTree(dir).flatMap((cgroup) => {
    try {
      return readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
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

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
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

/** Removes the cgroup, and any below it, once they are empty; false while processes remain. */
export function removeCgroup(dir: string): boolean {
  if (!existsSync(dir)) return true;
  for (const cgroup of cgroupTree(dir)) rmdirSafe(cgroup);
  return !existsSync(dir);
}
