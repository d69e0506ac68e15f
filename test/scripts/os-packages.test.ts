// scripts/os-packages.sh, the package logic of setup.sh and test.sh, against fake `apt-get`, `sudo`
// and `id` on a PATH of their own: what it installs, how, and when it refuses, without touching the
// machine's packages.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const HELPER = resolve('scripts/os-packages.sh');
const scratch: string[] = [];
afterEach(() => scratch.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Machine {
  /** Commands that exist before the helper runs. */
  present?: string[];
  uid?: number;
  sudo?: 'passwordless' | 'asks for a password' | 'absent';
  aptGet?: boolean;
  /** Commands the fake apt-get install creates. */
  provides?: string[];
  env?: Record<string, string>;
}

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

function run(pairs: string[], machine: Machine = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'jit-os-packages-'));
  scratch.push(dir);
  const bin = join(dir, 'bin');
  const log = join(dir, 'calls');
  mkdirSync(bin);
  writeFileSync(log, '');
  symlinkSync('/usr/bin/env', join(bin, 'env'));
  script(join(bin, 'id'), `[ "$1" = -u ] && echo ${machine.uid ?? 0}`);
  for (const command of machine.present ?? []) script(join(bin, command), 'exit 0');
  if (machine.aptGet !== false) {
    const provides = (machine.provides ?? []).map((command) => `printf '#!/bin/sh\\n' > ${bin}/${command}; /bin/chmod +x ${bin}/${command}`).join('; ');
    script(join(bin, 'apt-get'), `echo "apt-get DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> ${log}\nif [ "$1" = install ]; then ${provides || ':'}; fi`);
  }
  if ((machine.sudo ?? 'absent') !== 'absent') {
    const ok = machine.sudo === 'passwordless';
    script(join(bin, 'sudo'), `[ "$1" = -n ] || exit 1\nshift\n[ "$1" = true ] && exit ${ok ? 0 : 1}\necho "sudo -n $1" >> ${log}\nexec "$@"`);
  }
  const result = spawnSync('/bin/bash', ['-c', '. "$1"; shift; jit_require_commands "the tests" "$@"; echo returned', 'setup.sh', HELPER, ...pairs], {
    env: { PATH: bin, HOME: dir, ...machine.env },
    encoding: 'utf8',
    // Not a pipe: bash reads ~/.bashrc when its stdin is a socket, as Node's pipes are.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean), has: (command: string) => existsSync(join(bin, command)) };
}

const NEEDS = ['dbus-daemon:dbus', 'gnome-keyring-daemon:gnome-keyring,dbus-x11', 'gdbus:libglib2.0-bin', 'zsh:zsh'];

describe('os-packages.sh: jit_require_commands', () => {
  it('runs no apt at all when every command is present', () => {
    const result = run(NEEDS, { present: ['dbus-daemon', 'gnome-keyring-daemon', 'gdbus', 'zsh'] });
    expect(result).toMatchObject({ code: 0, stdout: 'returned\n', stderr: '', calls: [] });
  });

  it('as root installs only the packages of the missing commands, saying what and why', () => {
    const result = run(NEEDS, { present: ['dbus-daemon', 'zsh'], provides: ['gnome-keyring-daemon', 'gdbus'] });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('setup.sh: the tests needs gnome-keyring-daemon gdbus: installing gnome-keyring dbus-x11 libglib2.0-bin with apt-get');
    expect(result.calls).toEqual([
      'apt-get DEBIAN_FRONTEND=noninteractive update -qq',
      'apt-get DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends gnome-keyring dbus-x11 libglib2.0-bin',
    ]);
    expect(result.stdout).toMatch(/returned\n$/);
  });

  it('names a package once when several missing commands come from it', () => {
    const result = run(['dbus-daemon:dbus', 'dbus-run-session:dbus'], { provides: ['dbus-daemon', 'dbus-run-session'] });
    expect(result.calls.at(-1)).toMatch(/--no-install-recommends dbus$/);
  });

  it('with JIT_APT_DRY_RUN=1 prints the apt-get commands and runs nothing', () => {
    const result = run(NEEDS, { present: ['dbus-daemon', 'gnome-keyring-daemon', 'gdbus'], env: { JIT_APT_DRY_RUN: '1' } });
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([]);
    expect(result.stdout).toContain('would run: env DEBIAN_FRONTEND=noninteractive apt-get update -qq\n');
    expect(result.stdout).toContain('would run: env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends zsh\n');
  });

  it('not root: installs through sudo -n when sudo needs no password', () => {
    const result = run(NEEDS, { uid: 1000, sudo: 'passwordless', present: ['dbus-daemon', 'gnome-keyring-daemon', 'gdbus'], provides: ['zsh'] });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('installing zsh with sudo -n apt-get');
    expect(result.calls).toEqual([
      'sudo -n env',
      'apt-get DEBIAN_FRONTEND=noninteractive update -qq',
      'sudo -n env',
      'apt-get DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends zsh',
    ]);
  });

  it.each(['asks for a password', 'absent'] as const)('not root and sudo %s: prints the exact apt-get line and exits 69, installing nothing', (sudo) => {
    const result = run(NEEDS, { uid: 1000, sudo, present: ['dbus-daemon', 'gdbus'] });
    expect(result.code).toBe(69);
    expect(result.calls).toEqual([]);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'setup.sh: the tests needs gnome-keyring-daemon zsh, which are missing, and installing them needs root; run:\n' +
        '  sudo apt-get update && sudo apt-get install -y --no-install-recommends gnome-keyring dbus-x11 zsh\n',
    );
  });

  it('without apt-get names the missing commands and their Debian packages, and exits 69', () => {
    const result = run(NEEDS, { aptGet: false, present: ['dbus-daemon', 'gnome-keyring-daemon', 'gdbus'] });
    expect(result.code).toBe(69);
    expect(result.stderr).toContain('the tests needs zsh, which are missing; install them with your package manager (Debian/Ubuntu packages: zsh)');
  });

  it('exits 69 when a command is still missing after the install', () => {
    const result = run(NEEDS, { present: ['dbus-daemon', 'gnome-keyring-daemon', 'gdbus'], provides: [] });
    expect(result.code).toBe(69);
    expect(result.stderr).toContain('installed zsh, but zsh is still not on PATH');
    expect(result.has('zsh')).toBe(false);
  });
});
