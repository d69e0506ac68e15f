// A session is the whole process tree jit started: background jobs, `setsid` and double forks end with
// it, on a normal exit, at the TTL, and (by the next jit run) after jit itself was killed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { type Sandbox } from '../support/jit.js';
import { isAlive, readPid, until } from '../support/waits.js';

const { box, keyring } = useKeyringSandboxes();

async function survivorEvents(jit: Sandbox): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const { events } = JSON.parse((await jit.run(['audit', '--json'])).stdout) as { events: { type: string; data: Record<string, unknown> }[] };
  return events.filter((event) => event.type === 'session.survivors');
}

describe('processes that outlive the command', () => {
  it('a background job is ended when the command exits', async () => {
    const jit = box();
    const pidFile = join(jit.home, 'bg');
    const result = await jit.run(['exec', '-t', 'OPS-1', '-r', 'demo', '--', 'sh', '-c', `sleep 300 & echo $! > ${pidFile}`]);
    expect(result.code).toBe(0);
    const pid = await readPid(pidFile);
    await until('the background job to end', () => !isAlive(pid), 5000);
    expect(await survivorEvents(jit)).toEqual([expect.objectContaining({ data: expect.objectContaining({ found: 1, remaining: 0 }) })]);
  });

  it('at the TTL, jit exits 75 and a backgrounded job holding JIT_TOKEN is gone too', async () => {
    const jit = box();
    const pidFile = join(jit.home, 'bg');
    const result = await jit.run(['exec', '-t', 'OPS-2', '-r', 'demo', '--ttl', '2s', '--', 'bash', '-c', `sleep 300 & echo $! > ${pidFile}; wait`]);
    expect(result.code).toBe(75);
    const pid = await readPid(pidFile);
    await until('the background job to end', () => !isAlive(pid), 5000);
  });

  it('a process that left the session with setsid is ended too', async () => {
    const jit = box();
    const pidFile = join(jit.home, 'bg');
    const result = await jit.run(['exec', '-t', 'OPS-3', '-r', 'demo', '--', 'sh', '-c', `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 300' < /dev/null > /dev/null 2>&1 & while [ ! -s ${pidFile} ]; do sleep 0.05; done`]);
    expect(result.code).toBe(0);
    const pid = await readPid(pidFile);
    await until('the setsid process to end', () => !isAlive(pid), 5000);
  });

  it('after kill -9 of jit, a child that ignores SIGHUP is ended by the next jit run, which says so', async () => {
    const jit = box();
    const pidFile = join(jit.home, 'child');
    const child = jit.spawn(['exec', '-t', 'OPS-4', '-r', 'demo', '--', 'sh', '-c', `trap '' HUP; echo $$ > ${pidFile}; while :; do sleep 1; done`]);
    const pid = await readPid(pidFile);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    // The parent-death signal is HUP, which this child ignores: it lives on with the credential.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isAlive(pid)).toBe(true);

    const status = await jit.run(['status']);
    expect(status.code).toBe(0);
    await until('the orphaned child to end', () => !isAlive(pid), 5000);
    // The shell, and each `sleep 1` it started while it was being ended.
    expect(status.stderr).toMatch(/ended [1-9] process\(es\) left running by g_/);
    expect(await keyring().jitAccounts()).toEqual([]);
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'orphaned', revocation: 'verified' }]);
    expect((await survivorEvents(jit)).at(-1)).toMatchObject({ data: { found: expect.any(Number), remaining: 0, by: 'next run' } });
  });

  it('a process that hides in a cgroup below the session\'s own is ended too', async (context) => {
    const jit = box();
    const pidFile = join(jit.home, 'hidden');
    const hide = `cg=$(sed -n 's/^0:://p' /proc/self/cgroup); mount=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo);`
      + ` case $cg in */jit-session-*) ;; *) echo no-cgroup > ${pidFile}; exit 0;; esac;`
      + ` mkdir "$mount$cg/hide" && sh -c "echo \\$\\$ > '$mount$cg/hide/cgroup.procs'; echo \\$\\$ > ${pidFile}; exec sleep 300" < /dev/null > /dev/null 2>&1 &`
      + ` while [ ! -s ${pidFile} ]; do sleep 0.05; done`;
    const result = await jit.run(['exec', '-t', 'OPS-5', '-r', 'demo', '--', 'sh', '-c', hide]);
    expect(result.code).toBe(0);
    const written = readFileSync(pidFile, 'utf8').trim();
    if (written === 'no-cgroup') return context.skip('no cgroup v2 this user may create (not root, no delegated slice)');
    await until('the hidden process to end', () => !isAlive(Number(written)), 5000);
    expect(await survivorEvents(jit)).toEqual([expect.objectContaining({ data: expect.objectContaining({ containment: 'cgroup', remaining: 0 }) })]);
  });
});
