// Ending what is left of a session: found by its cgroup, or by its environment where there is none.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { endSurvivors, prepareContainment, startContained } from '../../src/session/containment.js';
import { isAlive, until } from '../support/waits.js';

const grantId = 'g_0000000000000000000000abcd';
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((child) => child.kill('SIGKILL')));

function start(env: Record<string, string>, script: string): ChildProcess {
  const child = spawn('sh', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('endSurvivors without a cgroup (found by environment)', () => {
  it('ends a process that carries JIT_SESSION, even one that ignores SIGHUP', async () => {
    const child = start({ JIT_SESSION: grantId }, "trap '' HUP; while :; do sleep 1; done");
    await until('the child to start', () => child.pid !== undefined && isAlive(child.pid));
    const report = await endSurvivors({ grantId, cgroup: null }, [], 300);
    // The shell, and its `sleep 1` when caught between two.
    expect(report).toEqual({ containment: 'environment', found: expect.any(Number), remaining: [] });
    expect(report.found).toBeGreaterThanOrEqual(1);
    await until('the child to end', () => child.exitCode !== null || child.signalCode !== null);
  });

  it('finds a process that dropped JIT_SESSION but kept the credential', async () => {
    const secret = 'tok-0123456789abcdef';
    const child = start({ SOME_TOKEN: secret }, 'exec sleep 300');
    await until('the child to start', () => child.pid !== undefined && isAlive(child.pid));
    const report = await endSurvivors({ grantId, cgroup: null }, [secret], 300);
    expect(report).toMatchObject({ found: 1, remaining: [] });
  });

  it('costs nothing and finds nothing when nothing is left', async () => {
    expect(await endSurvivors({ grantId, cgroup: null }, ['tok-0123456789abcdef'], 300)).toEqual({ containment: 'environment', found: 0, remaining: [] });
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
    const report = await endSurvivors({ grantId, cgroup }, [], 300);
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
    const report = await endSurvivors({ grantId, cgroup: '/sys/fs/cgroup/unified' }, [], 100);
    expect(report).toEqual({ containment: 'environment', found: 0, remaining: [] });
  });
});
