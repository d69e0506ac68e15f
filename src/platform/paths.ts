// Where jit keeps its files, and the rules those files live by: dirs 0700, files 0600,
// no symlinks, no foreign owners.
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, unlinkSync, closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { JitError, type ErrorCode } from '../core/errors.js';

/** In the state dir: roles and live grant ids for shell completion, read by the shells on Tab. */
export const COMPLETION_CACHE_FILE = 'completion-cache';

export interface JitPaths {
  configDir: string;
  stateDir: string;
}

export function resolvePaths(env: Record<string, string | undefined>): JitPaths {
  const home = env.HOME || homedir();
  return {
    configDir: env.JIT_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(home, '.config'), 'jit'),
    stateDir: env.JIT_STATE_DIR || join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'jit'),
  };
}

export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new JitError('os', `cannot read ${path}: ${(error as Error).message}`, { hint: 'check the permissions of that path', cause: error });
  }
}

/** What is wrong with an existing path jit keeps private, if anything: a symlink, the wrong kind, a foreign owner. */
export function ownershipProblem(path: string, stats: Stats, kind: 'directory' | 'file'): JitError | undefined {
  // SECURITY: a symlink or a path owned by someone else could redirect jit's secrets or audit.
  if (stats.isSymbolicLink()) {
    return new JitError('os', `${path} is a symbolic link; jit refuses to follow it`, { hint: `replace it with a real ${kind}` });
  }
  if (kind === 'directory' ? !stats.isDirectory() : !stats.isFile()) {
    return new JitError('os', `${path} is not a ${kind}`, { hint: `move it away so jit can create the ${kind}` });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    return new JitError('os', `${path} belongs to uid ${stats.uid}, not to you (uid ${uid})`, {
      hint: `jit keeps its state private; use a ${kind} you own (set JIT_STATE_DIR or JIT_CONFIG_DIR)`,
    });
  }
  return undefined;
}

function assertOwned(path: string, stats: Stats, kind: 'directory' | 'file'): void {
  const problem = ownershipProblem(path, stats, kind);
  if (problem) throw problem;
}

/** Creates (or checks) a private directory: 0700, ours, not a symlink. Parents are created as needed. */
export function ensurePrivateDir(path: string): string {
  const stats = lstatOrUndefined(path);
  if (stats === undefined) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      mkdirSync(path, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new JitError('os', `cannot create ${path}: ${(error as Error).message}`, { hint: 'check the permissions of its parent directory', cause: error });
      }
    }
    return ensurePrivateDir(path);
  }
  assertOwned(path, stats, 'directory');
  if ((stats.mode & 0o077) !== 0) chmodSync(path, 0o700);
  return path;
}

/** Checks an existing file is ours and not a symlink; returns false when it does not exist. */
export function privateFileExists(path: string): boolean {
  const stats = lstatOrUndefined(path);
  if (stats === undefined) return false;
  assertOwned(path, stats, 'file');
  return true;
}

/** What SQLite creates next to a database in WAL mode; they hold the same data as the database. */
const SQLITE_SIDE_FILES = ['-wal', '-shm'];

/**
 * Opens an existing file without following a symlink and without blocking on a FIFO, and checks it is
 * still the file `stats` describes, so a check and what follows it act on one and the same file.
 */
function openChecked(path: string, stats: Stats, flags: number, failure: ErrorCode = 'os'): { fd: number; opened: Stats } {
  let fd: number;
  try {
    fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw new JitError(failure, `cannot read ${path}: ${(error as Error).message}`, { hint: `make it readable to you: chmod 600 ${path}`, cause: error });
  }
  const opened = fstatSync(fd);
  if (opened.dev !== stats.dev || opened.ino !== stats.ino) {
    closeSync(fd);
    throw new JitError('os', `${path} changed while jit was checking it`, { hint: 'find out what else writes to that directory, then try again' });
  }
  return { fd, opened };
}

/** Tightens an existing private file to 0600 through an open descriptor, after checking who owns it. */
function tightenPrivateFile(path: string, stats: Stats): void {
  assertOwned(path, stats, 'file');
  if ((stats.mode & 0o077) === 0) return;
  const { fd } = openChecked(path, stats, constants.O_RDONLY);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes sure a private file (the state database) exists, is ours and 0600 before anything opens it:
 * refuses a symlink, another kind of file or a foreign owner; creates it 0600 when absent; tightens a
 * looser one, and the SQLite -wal and -shm files beside it.
 */
export function preparePrivateFile(path: string): string {
  try {
    // SECURITY: O_EXCL with O_NOFOLLOW never creates through, nor opens, a symlink planted at the name.
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
    return path;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new JitError('os', `cannot create ${path}: ${(error as Error).message}`, { hint: 'check the permissions of its directory', cause: error });
    }
  }
  const stats = lstatOrUndefined(path);
  // Removed between the two calls: start again.
  if (stats === undefined) return preparePrivateFile(path);
  // SECURITY: SQLite follows symlinks and keeps a file's mode; a 0644 database is readable by every user.
  tightenPrivateFile(path, stats);
  for (const suffix of SQLITE_SIDE_FILES) {
    const side = lstatOrUndefined(`${path}${suffix}`);
    if (side) tightenPrivateFile(`${path}${suffix}`, side);
  }
  return path;
}

/**
 * Reads a file that decides what jit allows (policy.yaml, config.yaml); undefined when there is none.
 * Refuses a symlink or an owner other than us or root (71), and a file other users may write or larger than
 * `maxBytes` (78).
 */
export function readTrustedFile(path: string, maxBytes: number): string | undefined {
  // SECURITY: whoever can write the policy can grant themselves any role.
  return readCheckedFile(path, maxBytes, 0o022, 'writable by other users');
}

/**
 * Reads a file that holds a secret (an issuer's admin connection): as readTrustedFile, and refused
 * as well when other users may read it, since then the secret is no longer one.
 */
export function readSecretFile(path: string, maxBytes: number): string | undefined {
  return readCheckedFile(path, maxBytes, 0o077, 'open to other users');
}

function readCheckedFile(path: string, maxBytes: number, forbiddenMode: number, forbidden: string): string | undefined {
  const stats = lstatOrUndefined(path);
  if (stats === undefined) return undefined;
  // A regular file root owns is trusted like one of ours (/etc/jit for a service account): root can change ours anyway.
  if (!(stats.uid === 0 && stats.isFile())) assertOwned(path, stats, 'file');
  // An unreadable file is a configuration to fix (78), not a failure of jit.
  const { fd, opened } = openChecked(path, stats, constants.O_RDONLY, 'config');
  try {
    if ((opened.mode & forbiddenMode) !== 0) {
      throw new JitError('config', `${path} is ${forbidden} (mode ${(opened.mode & 0o777).toString(8)}); jit will not trust it`, {
        hint: `chmod 600 ${path}`,
      });
    }
    if (opened.size > maxBytes) {
      throw new JitError('config', `${path} is larger than ${maxBytes / 1024} KiB (${Math.ceil(opened.size / 1024)} KiB); jit does not read it`, {
        hint: `check that ${path} is the file you meant; keep it under ${maxBytes / 1024} KiB`,
      });
    }
    return readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof JitError) throw error;
    throw new JitError('config', `cannot read ${path}: ${(error as Error).message}`, { hint: `check that ${path} is a readable file`, cause: error });
  } finally {
    closeSync(fd);
  }
}

/** For commands that create files: refuses to replace one the user may have edited. */
export function assertNoFile(path: string): void {
  if (privateFileExists(path)) throw new JitError('usage', `${path} already exists`, { hint: 'pass --force to overwrite it' });
}

/** Writes a file atomically with mode 0600 (temporary file in the same dir, then rename). */
export function writePrivateFile(path: string, data: string): void {
  // 'wx' refuses an existing file or symlink at the temporary name, so its name need not be unguessable.
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, data, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, path);
}

/**
 * Creates a private file with this content unless one exists: written under a temporary name, then
 * linked into place. SECURITY: link() fails if another process created the file first; theirs is kept,
 * never overwritten (two jit runs making a key at once end up with one key).
 */
export function createPrivateFileOnce(path: string, data: string): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, data, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}
