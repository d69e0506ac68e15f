// scripts/install-launcher.sh: `jit` on PATH that runs this checkout with a Node.js new enough for it,
// from any directory and inside sessions, on a PATH whose own `node` may be too old, adding no process.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collect } from '../support/jit.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';

const INSTALL = resolve('scripts/install-launcher.sh');
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
/** The system's own directories only: their `node`, if any, may be older than jit needs. */
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const sandboxes = useKeyringSandboxes();
const scratch: string[] = [];
afterEach(() => scratch.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function install(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'jit-launcher-'));
  scratch.push(dir);
  const bin = join(dir, 'bin');
  const result = spawnSync(INSTALL, [], { env: { PATH: SYSTEM_PATH, HOME: dir, JIT_BIN_DIR: bin, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ...result, bin, launcher: join(bin, 'jit') };
}

describe('install-launcher.sh', () => {
  it('installs a launcher, says where and how to undo it, and warns when its directory is not on PATH', () => {
    const { status, stdout, stderr, launcher, bin } = install();
    expect(status).toBe(0);
    expect(stdout).toContain(`== installed ${launcher}: runs ${resolve('bin/jit.js')} with Node.js v`);
    expect(stdout).toContain(`   to undo: rm ${launcher}\n`);
    expect(stderr).toContain(`warning: ${bin} is not on your PATH`);
    expect(readFileSync(launcher, 'utf8')).toMatch(/^#!\/bin\/sh\n/);
  });

  it('runs jit from another directory with only the system PATH', () => {
    const { launcher } = install();
    const result = spawnSync(launcher, ['--version'], { cwd: '/', env: { PATH: SYSTEM_PATH }, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${version}\n`);
    expect(result.status).toBe(0);
  });

  it('starts exactly one process that is Node: the launcher execs, it does not spawn', () => {
    const { launcher } = install();
    const trace = join(scratch[0]!, 'trace');
    const result = spawnSync('strace', ['-f', '-qq', '-e', 'trace=execve', '-e', 'signal=none', '-o', trace, launcher, 'status', '--prompt'], { cwd: '/', env: { PATH: SYSTEM_PATH }, encoding: 'utf8' });
    expect(result.status).toBe(0);
    // Successful execs only: a PATH lookup tries each directory in turn.
    const execs = readFileSync(trace, 'utf8').split('\n').filter((line) => line.includes('execve(') && / = 0$/.test(line));
    const pids = new Set(execs.map((line) => line.split(' ')[0]));
    expect(pids.size, execs.join('\n')).toBe(1);
    expect(execs.filter((line) => /execve\("[^"]*\/node"/.test(line))).toHaveLength(1);
  });

  it('works inside a session, where jit scrubs JIT_* from the environment', async () => {
    const { launcher, bin } = install();
    const box = sandboxes.box();
    const child = spawn(launcher, ['exec', '-t', 'DEMO-1', '-r', 'demo', '--', 'sh', '-c', 'cd / && jit status --prompt && jit status --json'], {
      cwd: '/',
      env: { ...box.env, PATH: `${bin}:${SYSTEM_PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = await collect(child);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [prompt, ...json] = result.stdout.split('\n');
    expect(prompt).toMatch(/^demo 1[45]m$/);
    expect(JSON.parse(json.join('\n')).session).toMatchObject({ role: 'demo', ticket: 'DEMO-1' });
  });

  it('replaces a launcher it wrote, and leaves any other file alone (exit 73)', () => {
    const first = install();
    const again = spawnSync(INSTALL, [], { env: { PATH: SYSTEM_PATH, HOME: '/nonexistent', JIT_BIN_DIR: first.bin }, encoding: 'utf8' });
    expect(again.status).toBe(0);
    writeFileSync(first.launcher, '#!/bin/sh\necho mine\n');
    const refused = spawnSync(INSTALL, [], { env: { PATH: SYSTEM_PATH, HOME: '/nonexistent', JIT_BIN_DIR: first.bin }, encoding: 'utf8' });
    expect(refused.status).toBe(73);
    expect(refused.stderr).toContain(`${first.launcher} exists and is not a jit launcher; leaving it alone`);
    expect(readFileSync(first.launcher, 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });

  it('says what to do when the Node.js it was installed with is gone (exit 69)', () => {
    const { launcher, bin } = install();
    const moved = join(bin, 'jit-copy');
    writeFileSync(moved, readFileSync(launcher, 'utf8').replace(/^JIT_NODE=.*$/m, "JIT_NODE='/nonexistent/node'"), { mode: 0o755 });
    const result = spawnSync(moved, ['--version'], { env: { PATH: SYSTEM_PATH }, encoding: 'utf8' });
    expect(result.status).toBe(69);
    expect(result.stderr).toContain('with /nonexistent/node, and one of them is gone');
    expect(result.stderr).toContain('→ run scripts/setup.sh in a jit checkout again');
  });

  it('as root installs to /usr/local/bin, otherwise to ~/.local/bin (--where changes nothing)', () => {
    const home = mkdtempSync(join(tmpdir(), 'jit-launcher-home-'));
    scratch.push(home);
    mkdirSync(join(home, 'x'));
    const where = (uid: number) => {
      const fake = join(home, `id-${uid}`);
      mkdirSync(fake);
      writeFileSync(join(fake, 'id'), `#!/bin/sh\necho ${uid}\n`, { mode: 0o755 });
      return spawnSync(INSTALL, ['--where'], { env: { PATH: `${fake}:${SYSTEM_PATH}`, HOME: home }, encoding: 'utf8' }).stdout;
    };
    expect(where(0)).toBe('/usr/local/bin\n');
    expect(where(1000)).toBe(`${home}/.local/bin\n`);
  });
});
