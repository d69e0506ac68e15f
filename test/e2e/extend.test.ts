// `jit extend` through the built binary, embedded: a fresh decision that moves the end at the target
// and on the grant, never past the role's maximum; the supervising jit follows at once (a command that
// outlives its first TTL finishes), and so does the shell's prompt, without a restart.
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JIT_BIN, type Sandbox } from '../support/jit.js';
import { openTerminal } from '../support/pty.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';

const sandboxes = useKeyringSandboxes();

/** A sandbox whose policy has `renewable` (a command issuer with a renew executable, max 3m) and `fixed` (none). */
function renewableBox(): { box: Sandbox; renewals: () => { expiresAt: number }[] } {
  const box = sandboxes.box();
  const bin = join(box.home, 'bin');
  mkdirSync(bin, { mode: 0o700 });
  // `jit` inside the session is this checkout's, whatever else is on the machine's PATH.
  symlinkSync(JIT_BIN, join(bin, 'jit'));
  box.env.PATH = `${bin}:${box.env.PATH}`;
  const log = join(box.home, 'renewals.log');
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o700);
    return join(bin, name);
  };
  const issue = script('issue', `cat >/dev/null; echo '{"env":{"TARGET_TOKEN":"t0k3n-for-the-test"}}'`);
  const revoke = script('revoke', 'cat >/dev/null');
  // What the target was told: the request on stdin, one line per renewal.
  const renew = script('renew', `cat >>${log}; echo >>${log}`);
  mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
  const ticket = `ticket: { system: offline, pattern: '^OPS-[0-9]+$' }`;
  writeFileSync(
    join(box.configDir, 'policy.yaml'),
    `roles:\n` +
      `  renewable:\n    description: A target that moves its end\n    ttl: { default: 1m, max: 3m }\n    ${ticket}\n    requesters: ['*']\n    issuer: { type: command, issue: ${issue}, revoke: ${revoke}, renew: ${renew} }\n` +
      `  fixed:\n    description: A target whose end is fixed at issue\n    ttl: { default: 1m, max: 3m }\n    ${ticket}\n    requesters: ['*']\n    issuer: { type: command, issue: ${issue}, revoke: ${revoke} }\n`,
    { mode: 0o600 },
  );
  const renewals = () => {
    try {
      return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { grant: { expiresAt: number } }).grant);
    } catch {
      return [];
    }
  };
  return { box, renewals };
}

function events(box: Sandbox, type: string): { actor: string; grant_id: string; data: string }[] {
  const db = box.db();
  try {
    return db.prepare('SELECT actor, grant_id, data FROM audit_events WHERE type = ? ORDER BY seq').all(type) as { actor: string; grant_id: string; data: string }[];
  } finally {
    db.close();
  }
}

describe('jit extend, embedded', () => {
  it('inside `jit exec`: the command outlives its first TTL, the target is told the new end, and the audit says who extended it', async () => {
    const { box, renewals } = renewableBox();
    // A 3-second grant and a 5-second command: without the extension the session would end at 3 s (75).
    const result = await box.run(['exec', '-t', 'OPS-1', '-r', 'renewable', '--ttl', '3s', '--', 'sh', '-c', 'jit extend --by 20s --reason "still migrating" && sleep 5 && echo "end=$JIT_EXPIRES_AT"'], { timeoutMs: 30_000 });
    expect(result.stderr).not.toContain('reached its TTL');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Extended g_[0-9a-z]{26} renewable \(OPS-1\) by 20s: ends at .*, in 2[0-3]s\./);
    const [extended] = events(box, 'grant.extended');
    const data = JSON.parse(extended!.data) as { from: number; to: number; bySeconds: number };
    expect(data.to - data.from).toBe(20);
    expect(data.bySeconds).toBe(20);
    expect(extended!.actor).toMatch(/^user:/);
    expect(renewals()).toEqual([expect.objectContaining({ expiresAt: data.to })]);
    // The command's own environment is what it started with; the end file is how a shell learns.
    expect(result.stdout).toContain(`end=${data.from}`);
    expect(box.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'exit', revocation: 'verified' }]);
    const created = events(box, 'request.created').map((event) => JSON.parse(event.data) as { renews?: string; reason: string | null });
    expect(created[1]).toMatchObject({ renews: extended!.grant_id, reason: 'still migrating' });
  }, 40_000);

  it("never past the role's maximum: capped the first time, refused (77) once there", async () => {
    const { box } = renewableBox();
    const first = await box.run(['exec', '-t', 'OPS-2', '-r', 'renewable', '--ttl', '2m', '--', 'sh', '-c', 'jit extend --by 5m; echo "rc=$?"; jit extend --by 1m; echo "rc=$?"'], { timeoutMs: 30_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/by 1m, the most renewable allows: ends at/);
    expect(first.stdout).toContain('rc=0');
    expect(first.stdout).toContain('rc=77');
    expect(first.stderr).toMatch(/already ends at renewable's maximum of 3m after issue/);
    expect(events(box, 'grant.extended')).toHaveLength(1);
  }, 40_000);

  it('refuses a role whose issuer cannot move an end (77), and changes nothing', async () => {
    const { box, renewals } = renewableBox();
    const result = await box.run(['exec', '-t', 'OPS-3', '-r', 'fixed', '--', 'sh', '-c', 'jit extend --by 1m; echo "rc=$?"']);
    expect(result.stdout).toContain('rc=77');
    expect(result.stderr).toContain('a command credential cannot be extended: its end is fixed when it is issued');
    expect(events(box, 'grant.extended')).toEqual([]);
    expect(renewals()).toEqual([]);
  });

  it('bad input: outside a session, no --by, a malformed duration or grant id (64), and an ended grant is not extended (75)', async () => {
    const { box } = renewableBox();
    const outside = await box.run(['extend', '--by', '5m']);
    expect(outside.code).toBe(64);
    expect(outside.stderr).toMatch(/^jit: not in a jit session, so there is no grant to extend by default\n {2}→ /);
    expect((await box.run(['extend', 'g_0123456789abcdefghijklmnop'])).stderr).toContain('missing --by');
    expect((await box.run(['extend', 'g_0123456789abcdefghijklmnop', '--by', '0s'])).code).toBe(64);
    expect((await box.run(['extend', 'not-a-grant', '--by', '5m'])).code).toBe(64);
    expect((await box.run(['extend', 'g_0123456789abcdefghijklmnop', '--by', '5m'])).stderr).toContain('there is no grant "g_0123456789abcdefghijklmnop" of yours');
    const done = await box.run(['exec', '-t', 'OPS-4', '-r', 'renewable', '--', 'sh', '-c', 'echo "$JIT_SESSION"']);
    const ended = await box.run(['extend', done.stdout.trim(), '--by', '1m']);
    expect(ended.code).toBe(75);
    expect(ended.stderr).toContain('has ended (revoked)');
  });

  it('in a `jit elevate` shell on a terminal: the prompt shows the new end at the next prompt, and JIT_EXPIRES_AT follows', async () => {
    const { box } = renewableBox();
    writeFileSync(join(box.home, '.bashrc'), "PS1='mine$ '\n");
    const terminal = openTerminal([process.execPath, JIT_BIN, 'elevate', '--shell', '/usr/bin/bash', '-t', 'OPS-5', '-r', 'renewable', '--ttl', '1m'], box.env);
    await terminal.waitFor(/\(renewable [01]m\) mine\$ /);
    terminal.type('before=$JIT_EXPIRES_AT; jit extend --by 2m\n');
    await terminal.waitFor(/Extended g_/);
    // 1m, and 2m more: 2m or 3m left, by how long it all took.
    await terminal.waitFor(/\(renewable [23]m\) mine\$ /);
    terminal.type('echo "moved=$((JIT_EXPIRES_AT - before))"\n');
    await terminal.waitFor(/moved=120/);
    expect(terminal.screen()).not.toContain('learns the new end at its next heartbeat');
    terminal.type('exit\n');
    expect(await terminal.exited).toBe(0);
  }, 30_000);
});
