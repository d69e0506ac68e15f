// `jit elevate` in a real pseudo-terminal, with a real bash, as an admin uses it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JIT_BIN, type Sandbox } from '../support/jit.js';
import { openTerminal } from '../support/pty.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';

const sandboxes = useKeyringSandboxes();
let box: Sandbox;

function elevate(...flags: string[]) {
  box = sandboxes.box();
  // The user's own ~/.bashrc runs in the subshell, as it does for a login; it sets a prompt we can wait for.
  writeFileSync(join(box.home, '.bashrc'), "PS1='elevated$ '\n");
  return openTerminal([process.execPath, JIT_BIN, 'elevate', '--shell', '/bin/bash', ...flags], box.env);
}

describe('jit elevate', () => {
  it('opens a shell with the session injected; `exit 3` leaves jit with 3 and the grant revoked', async () => {
    const terminal = elevate('--ticket', 'OPS-7', '--role', 'demo');
    await terminal.waitFor(/elevated\$ /);
    terminal.type('echo "role=$JIT_ROLE ticket=$JIT_TICKET token=${#JIT_TOKEN}"\n');
    await terminal.waitFor(/role=demo ticket=OPS-7 token=\d{3,}/);
    expect(await sandboxes.keyring().jitAccounts()).toHaveLength(1);
    terminal.type('exit 3\n');
    expect(await terminal.exited).toBe(3);
    expect(box.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'exit', revocation: 'verified' }]);
    expect(await sandboxes.keyring().jitAccounts()).toEqual([]);
  });

  it('leaves Ctrl-C to the shell: it interrupts the running command, not jit', async () => {
    const terminal = elevate('--ticket', 'OPS-8', '--role', 'demo');
    await terminal.waitFor(/elevated\$ /);
    terminal.type('sleep 30; echo "sleep-status=$?"\n');
    await new Promise((resolve) => setTimeout(resolve, 500));
    terminal.type('\x03');
    await terminal.waitFor(/elevated\$ .*\n?.*elevated\$ |sleep-status=130/s);
    terminal.type('echo "still=$JIT_ROLE"\n');
    await terminal.waitFor(/still=demo/);
    terminal.type('exit\n');
    expect(await terminal.exited).toBe(0);
    expect(box.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'exit', revocation: 'verified' }]);
  });

  it('refuses to start inside another jit session', async () => {
    const terminal = elevate('--ticket', 'OPS-9', '--role', 'demo');
    await terminal.waitFor(/elevated\$ /);
    terminal.type(`${process.execPath} ${JIT_BIN} elevate --ticket OPS-10 --role demo; echo "nested=$?"\n`);
    await terminal.waitFor(/nested=77/);
    expect(terminal.screen()).toContain('already inside jit session');
    // The way out, not `jit roles`: nothing there would help.
    expect(terminal.screen()).toMatch(/→ leave session g_[0-9a-z]{26} \(demo, OPS-9\) first: `exit` its shell, or `jit revoke` it; or have the role allow it with `nesting: true`/);
    terminal.type('exit\n');
    expect(await terminal.exited).toBe(0);
  });

  it('ends the shell at the TTL (SIGHUP), revokes, and exits 75', async () => {
    const terminal = elevate('--ticket', 'OPS-11', '--role', 'demo', '--ttl', '2s');
    await terminal.waitFor(/elevated\$ /);
    expect(await terminal.exited).toBe(75);
    expect(terminal.screen()).toContain('reached its TTL');
    expect(box.grantStates()).toEqual([{ state: 'expired', revoke_reason: 'expired', revocation: 'verified' }]);
    expect(await sandboxes.keyring().jitAccounts()).toEqual([]);
  });

  it('ends the session when the grant is revoked from another terminal', async () => {
    const terminal = elevate('--ticket', 'OPS-12', '--role', 'demo');
    await terminal.waitFor(/elevated\$ /);
    const revoke = await box.run(['revoke', '--all']);
    expect(revoke.code).toBe(0);
    expect(await terminal.exited).toBe(75);
    expect(terminal.screen()).toContain('was revoked');
    expect(box.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'operator', revocation: 'verified' }]);
    expect(await sandboxes.keyring().jitAccounts()).toEqual([]);
  });
});

describe('TTL warnings', () => {
  it('warns on the terminal when one minute is left', async () => {
    box = sandboxes.box();
    const result = await box.run(['exec', '-t', 'OPS-13', '-r', 'demo', '--ttl', '61s', '--', 'sleep', '2']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('1 minute left in this session');
  });
});
