// A throwaway PostgreSQL cluster from Debian's package: a temporary data directory, a loopback port
// chosen at run time, a `jit` superuser, fsync off. Trust auth, or with `passwords` a real password check
// (SCRAM) on TCP, as a database that issues login roles needs. Run as the `postgres` user when the
// tests run as root (PostgreSQL refuses to run as root). Stopped and removed by `stop()`.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface Postgres {
  /** The `jit` superuser's connection string (with its password when `passwords` is on). */
  url: string;
  port: number;
  /** The server goes down and comes back on the same port with the same data (a target outage). */
  halt(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL server binaries, or undefined when none is installed. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

export async function startPostgres(options: { passwords?: boolean } = {}): Promise<Postgres> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'jit-pg-'));
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL will not run as root: hand the directory to the postgres user and run as it.
  const runAs = (argv: string[]) => (asRoot ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', ...argv] : argv);
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  const data = join(dir, 'data');
  const run = (argv: string[]) => {
    const [file, ...args] = runAs(argv);
    const result = spawnSync(file!, args, { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } });
    if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}${result.stdout}`);
  };
  const password = options.passwords ? randomBytes(18).toString('hex') : undefined;
  let auth = ['-A', 'trust'];
  if (password) {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, password, { mode: 0o600 });
    if (asRoot) chownSync(pwfile, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
    auth = ['--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`];
  }
  run([join(bin, 'initdb'), '-D', data, '-U', 'jit', ...auth, '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const start = () =>
    run([join(bin, 'pg_ctl'), '-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`, 'start']);
  start();
  return {
    url: `postgres://jit${password ? `:${password}` : ''}@127.0.0.1:${port}/postgres`,
    port,
    halt: () => run([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']),
    resume: start,
    async stop() {
      try {
        run([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already down (halted by the test).
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
