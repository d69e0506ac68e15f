// SIGUSR1 makes Node start its inspector (an unauthenticated debugger on 127.0.0.1:9229) or, with it
// disabled, kills the process. jit never uses it, and whoever sends it at any moment of jit's life
// neither opens a debugger nor ends jit.
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { collect } from '../support/jit.js';
import { useSlowIssuer } from '../support/slow-issuer.js';

const { box } = useKeyringSandboxes();
const timers: NodeJS.Timeout[] = [];
afterEach(() => timers.splice(0).forEach(clearInterval));

describe('SIGUSR1', () => {
  it('sent throughout issuance, the session and a slow revocation, opens no debugger and does not end jit', async () => {
    const jit = box();
    useSlowIssuer(jit, { issueSeconds: 1.5, revokeSeconds: 1.5 });
    const child = jit.spawn(['exec', '-t', 'OPS-1', '-r', 'slow', '--', 'sleep', '0.5']);
    const result = collect(child);
    timers.push(setInterval(() => child.exitCode === null && child.kill('SIGUSR1'), 100));
    const { code, stderr } = await result;
    expect(stderr).not.toMatch(/Debugger|inspector/i);
    expect(code).toBe(0);
  });

  it('jit runs with core dumps disabled and Node started with --disable-sigusr1', async () => {
    const jit = box();
    const result = await jit.run(['exec', '-t', 'OPS-2', '-r', 'demo', '--', 'sh', '-c', 'grep "Max core file size" /proc/$PPID/limits; tr "\\0" " " < /proc/$PPID/cmdline']);
    expect(result.code).toBe(0);
    // The command runs under setpriv, which execs it: its parent is jit itself.
    expect(result.stdout).toMatch(/Max core file size\s+0\s+0/);
    expect(result.stdout).toContain('--disable-sigusr1');
  });

  it('sent while Node starts up (before any of jit runs), SIGUSR1 does not end jit', async () => {
    const jit = box();
    const codes: (number | null)[] = [];
    for (let run = 0; run < 5; run++) {
      const child = jit.spawn(['--version']);
      // The shell stage has run its first line once the process is Node: from there on it must hold.
      // (A signal before the shell runs any line at all is beyond what a program can catch.)
      const comm = `/proc/${child.pid}/comm`;
      for (let spin = 0; spin < 20_000 && !(existsSync(comm) && readFileSync(comm, 'utf8').trim() === 'node'); spin++);
      child.kill('SIGUSR1');
      codes.push((await collect(child)).code);
    }
    expect(codes).toEqual([0, 0, 0, 0, 0]);
  });
});
