// `npm pack` gives an installable jit: the tarball holds the built bundle, a global install pulls only
// the keyring addon (everything else is bundled), and the installed `jit` runs a real session.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../support/jit.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';

const sandboxes = useKeyringSandboxes();
const scratch = mkdtempSync(join(tmpdir(), 'jit-package-'));
const prefix = join(scratch, 'prefix');
/** This Node first (jit's floor), then the system's directories only. */
const PATH = `${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin`;
let files: string[] = [];

function npm(args: string[]) {
  const result = spawnSync('npm', args, { encoding: 'utf8', env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${result.status}\n${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  // --ignore-scripts: prepack would rebuild dist/ under the other test files; `npm test` has just built it.
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', scratch, resolve('.')])) as { filename: string; files: { path: string }[] }[];
  files = packed!.files.map((file) => file.path).sort();
  // The keyring addon comes from npm's cache when `npm ci` filled it, else from the registry.
  npm(['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(scratch, packed!.filename)]);
}, 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the npm package', () => {
  it('holds the launcher, the bundle, the completions and the systemd unit; no sources, tests or source maps', () => {
    expect(files).toContain('bin/jit.js');
    expect(files).toContain('contrib/systemd/jit-serve.service');
    expect(files).toContain('dist/main.js');
    expect(files).toContain('completions/jit.bash');
    expect(files).toContain('package.json');
    expect(files.filter((path) => !/^(bin|dist|completions|contrib)\//.test(path))).toEqual(['LICENSE', 'README.md', 'package.json'].filter((path) => files.includes(path)));
    expect(files.filter((path) => path.endsWith('.map') || path.endsWith('.ts'))).toEqual([]);
  });

  it('installs with the keyring addon as its only dependency', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'jit', 'node_modules');
    expect(readdirSync(installed).filter((name) => !name.startsWith('.'))).toEqual(['@napi-rs']);
    expect(readdirSync(join(installed, '@napi-rs')).every((name) => name.startsWith('keyring'))).toBe(true);
  });

  it('the installed jit runs a session against a real Secret Service, with nothing on stderr', async () => {
    const box = sandboxes.box();
    const child = spawn(join(prefix, 'bin', 'jit'), ['exec', '--ticket', 'DEMO-1', '--role', 'demo', '--', 'sh', '-c', 'echo "$JIT_ROLE $JIT_TICKET"'], {
      cwd: scratch,
      env: { ...box.env, PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = await collect(child);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('demo DEMO-1\n');
    expect(result.code).toBe(0);
    expect(await sandboxes.keyring().jitAccounts()).toEqual([]);
  });
});
