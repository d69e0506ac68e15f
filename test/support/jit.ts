// Runs the built `jit` binary in a private HOME, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export const JIT_BIN = resolve('bin/jit.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  env: Record<string, string>;
  stateDir: string;
  configDir: string;
  run(args: string[], options?: { env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>;
  /** `stdin: 'pipe'` to write to jit's stdin; by default it has none. */
  spawn(args: string[], options?: { env?: Record<string, string>; stdin?: 'pipe' | 'ignore' }): ChildProcess;
  /** Opens the state database read-only, as an auditor would. */
  db(): DatabaseSync;
  /** Each grant's state, revoke reason and revocation, oldest first. */
  grantStates(): { state: string; revoke_reason: string | null; revocation: string | null }[];
  remove(): void;
}

export function collect(child: ChildProcess, timeoutMs = 20_000): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`jit did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** A private HOME with XDG dirs inside it; `extraEnv` usually carries a private Secret Service. */
export function sandbox(extraEnv: Record<string, string> = {}): Sandbox {
  const home = mkdtempSync(join(tmpdir(), 'jit-home-'));
  const env: Record<string, string> = {
    // The binary runs through its own shebang, as a user's does; it finds this Node first on PATH.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    ...extraEnv,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  const stateDir = join(home, '.local', 'state', 'jit');
  const configDir = join(home, '.config', 'jit');
  const spawnJit = (args: string[], options: { env?: Record<string, string>; stdin?: 'pipe' | 'ignore' } = {}) =>
    spawn(JIT_BIN, args, { env: { ...env, ...options.env }, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'] });
  return {
    home,
    env,
    stateDir,
    configDir,
    spawn: spawnJit,
    run: (args, options = {}) => collect(spawnJit(args, options), options.timeoutMs),
    // A busy timeout: jit may be writing while the test reads.
    db: () => new DatabaseSync(join(stateDir, 'jit.db'), { readOnly: true, timeout: 5000 }),
    grantStates() {
      const db = this.db();
      try {
        return db.prepare('SELECT state, revoke_reason, revocation FROM grants ORDER BY issued_at').all() as ReturnType<Sandbox['grantStates']>;
      } finally {
        db.close();
      }
    },
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}
