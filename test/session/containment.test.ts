// Ending what is left of a session: found by its cgroup, or by its environment where there is none.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { endSurvivors, prepareContainment, removeStaleContainments, startContained } from '../../src/session/containment.js';
import { processesWithEnvironment } from '../../src/platform/process-scan.js';
import { until } from '../support/waits.js';

const grantId = 'g_0000000000000000000000abcd';
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((child) => child.kill('SIGKILL')));

function start(env: Record<string, string>, script: string): ChildProcess {
  const child = spawn('sh', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

// Alive is not enough: until its exec, a spawned child still shows this process's environment.
function startedWith(child: ChildProcess, entry: string, values: string[] = []): Promise<unknown> {
  return until('the child to start with its environment', () => child.pid !== undefined && processesWithEnvironment(entry, values).includes(child.pid));
}

describe('endSurvivors without a cgroup (found by environment)', () => {
  it('ends a process that carries JIT_SESSION, even one that ignores SIGHUP', async () => {
    const child = start({ JIT_SESSION: grantId }, "trap '' HUP; while :; do sleep 1; done");
    await startedWith(child, `JIT_SESSION=${grantId}`);
    const report = await endSurvivors({ grantId, ownerPid: process.pid, cgroup: null }, [], 300);
    // The shell, and its `sleep 1` when caught between two.
    expect(report).toEqual({ containment: 'environment', found: expect.any(Number), remaining: [] });
    expect(report.found).toBeGreaterThanOrEqual(1);
    await until('the child to end', () => child.exitCode !== null || child.signalCode !== null);
  });

  it('finds a process that dropped JIT_SESSION but kept the credential', async () => {
    const secret = 'tok-0123456789abcdef';
    const child = start({ SOME_TOKEN: secret }, 'exec sleep 300');
    await startedWith(child, '', [secret]);
    const report = await endSurvivors({ grantId, ownerPid: process.pid, cgroup: null }, [secret], 300);
    expect(report).toMatchObject({ found: 1, remaining: [] });
  });

  it('ends a session that keeps forking while it is ended: newcomers are signalled too', async () => {
    const child = start({ JIT_SESSION: grantId }, "trap '' HUP; while :; do sleep 300 & sleep 0.02; done");
    await startedWith(child, `JIT_SESSION=${grantId}`);
    const report = await endSurvivors({ grantId, ownerPid: process.pid, cgroup: null }, [], 200);
    expect(report.remaining).toEqual([]);
    expect(processesWithEnvironment(`JIT_SESSION=${grantId}`)).toEqual([]);
  });

  it('costs nothing and finds nothing when nothing is left', async () => {
    expect(await endSurvivors({ grantId, ownerPid: process.pid, cgroup: null }, ['tok-0123456789abcdef'], 300)).toEqual({ containment: 'environment', found: 0, remaining: [] });
  });
});

describe('startContained', () => {
  it('starts the child in a cgroup of its own where the system allows one, and ends everything in it', async (context) => {
    const prepared = prepareContainment();
    await prepared.ready();
    const { child, cgroup } = startContained(prepared, () => spawn('sh', ['-c', 'setsid sleep 300 & exec sleep 300'], { stdio: 'ignore' }));
    children.push(child);
    // Only root or a delegated cgroup v2 (a systemd user slice) allows this; elsewhere jit falls back to the environment.
    if (!cgroup) return context.skip('no cgroup v2 this user may create (not root, no delegated slice)');
    await until('both processes in the cgroup', async () => (await import('../../src/platform/cgroup.js')).cgroupMembers(cgroup).length === 2);
    child.kill('SIGKILL');
    const report = await endSurvivors({ grantId, ownerPid: process.pid, cgroup }, [], 300);
    expect(report).toEqual({ containment: 'cgroup', found: expect.any(Number), remaining: [] });
    expect(existsSync(cgroup)).toBe(false);
    // jit itself went back to where it was.
    const { readFileSync } = await import('node:fs');
    expect(readFileSync('/proc/self/cgroup', 'utf8')).not.toContain('jit-session-');
  });
});

describe('a session file naming a cgroup', () => {
  it('is trusted only for a jit-session- cgroup inside a cgroup v2 mount: never another cgroup, never ..', async () => {
    const { isSessionCgroup } = await import('../../src/platform/cgroup.js');
    const prefix = 'jit-session-';
    expect(isSessionCgroup('/sys/fs/cgroup/unified/system.slice', prefix)).toBe(false);
    expect(isSessionCgroup('/sys/fs/cgroup/unified/jit-session-1/../system.slice', prefix)).toBe(false);
    expect(isSessionCgroup('relative/jit-session-1', prefix)).toBe(false);
    expect(isSessionCgroup('/tmp/jit-session-1', prefix)).toBe(false);
    // A forged record pointing elsewhere falls back to the environment, which finds nothing here.
    const report = await endSurvivors({ grantId, ownerPid: process.pid, cgroup: '/sys/fs/cgroup/unified' }, [], 100);
    expect(report).toEqual({ containment: 'environment', found: 0, remaining: [] });
  });
});

describe('stale session cgroups and jit itself', () => {
  it('removes empty session cgroups whose jit is dead, never one whose jit lives', async (context) => {
    const prepared = prepareContainment();
    const mine = await prepared.ready();
    await prepared.abandon();
    if (!mine) return context.skip('no cgroup v2 this user may create (not root, no delegated slice)');
    const { mkdirSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const dead = join(dirname(mine), `jit-session-${2 ** 22 + 3}-0badc0de`);
    const alive = join(dirname(mine), `jit-session-${process.pid}-0badc0de`);
    mkdirSync(dead);
    mkdirSync(alive);
    try {
      removeStaleContainments();
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(alive)).toBe(true);
    } finally {
      for (const dir of [dead, alive]) if (existsSync(dir)) (await import('node:fs')).rmdirSync(dir);
    }
  });

  it('never signals jit itself, even when it sits in the cgroup it ends', async (context) => {
    const prepared = prepareContainment();
    const dir = await prepared.ready();
    if (!dir) return context.skip('no cgroup v2 this user may create (not root, no delegated slice)');
    // This process stays in the session cgroup (as a jit run inside a dead session's shell would be).
    const report = await endSurvivors({ grantId, ownerPid: process.pid, cgroup: dir }, [], 100);
    // Still here to assert it: nothing else was in the cgroup, and it is not removed from under us.
    expect(report).toEqual({ containment: 'cgroup', found: 0, remaining: [] });
    expect(existsSync(dir)).toBe(true);
    await prepared.abandon();
    expect(existsSync(dir)).toBe(false);
  });

  it('trusts a cgroup only when its name carries the session owner\'s pid', async () => {
    const report = await endSurvivors({ grantId, cgroup: `/sys/fs/cgroup/unified/jit-session-${process.pid}-0badc0de`, ownerPid: 2 ** 22 + 5 }, [], 100);
    expect(report.containment).toBe('environment');
  });
});

describe('PendingCgroup', () => {
  it('never removes a directory it did not make (a name that already exists is given up, left as it was)', async (context) => {
    const { mkdirSync, readFileSync, rmdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { PendingCgroup } = await import('../../src/platform/cgroup.js');
    const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((line) => line.startsWith('0::'))?.slice(3);
    const mount = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')).find((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2')?.[4];
    const existing = own !== undefined && mount ? join(mount, own, `jit-session-${process.pid}-preexisting`) : undefined;
    try {
      if (existing) mkdirSync(existing);
    } catch {
      return context.skip('no cgroup v2 this user may create (not root, no delegated slice)');
    }
    if (!existing) return context.skip('no cgroup v2 on this machine');
    try {
      const pending = new PendingCgroup(`jit-session-${process.pid}-preexisting`);
      expect(await pending.ready()).toBeUndefined();
      await pending.abandon();
      expect(existsSync(existing)).toBe(true);
    } finally {
      rmdirSync(existing);
    }
  });
});
