// `jit elevate` in a real pseudo-terminal with each shell: the subshell's prompt shows the role and
// time left, the user's own start-up files still run, and the temporary files are private and gone after.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JIT_BIN, type Sandbox } from '../support/jit.js';
import { openTerminal } from '../support/pty.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';

const sandboxes = useKeyringSandboxes();
let box: Sandbox;

/** Each shell's own start-up file, setting a prompt of the user's that the test can recognise. */
const userStartup = {
  bash: ['.bashrc', "PS1='mine$ '\n"],
  zsh: ['.zshrc', "PROMPT='mine%# '\n"],
  fish: ['.config/fish/config.fish', "function fish_prompt; echo -n 'mine> '; end\n"],
} as const;

function elevateIn(shell: keyof typeof userStartup, ...flags: string[]) {
  box = sandboxes.box();
  const [file, text] = userStartup[shell];
  mkdirSync(join(box.home, file, '..'), { recursive: true });
  writeFileSync(join(box.home, file), text);
  const runtime = join(box.home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const terminal = openTerminal([process.execPath, JIT_BIN, 'elevate', '--shell', `/usr/bin/${shell}`, ...flags], { ...box.env, XDG_RUNTIME_DIR: runtime });
  return { terminal, runtime };
}

/** jit's scratch dirs in the runtime dir (fish keeps a file of its own there too). */
const scratchDirs = (runtime: string) => readdirSync(runtime).filter((name) => name.startsWith('jit-shell-'));

describe.each(['bash', 'zsh', 'fish'] as const)('jit elevate in %s', (shell) => {
  it('shows the role and time left before the user\'s own prompt; `exit 3` leaves jit with 3 and the grant revoked', async () => {
    const { terminal, runtime } = elevateIn(shell, '--ticket', 'OPS-7', '--role', 'demo');
    await terminal.waitFor(/\(demo 1[45]m\) mine[$%#>] /);
    // While the shell runs, its start-up files sit in a 0700 dir, each 0600.
    const [scratch, ...others] = scratchDirs(runtime);
    expect(others).toEqual([]);
    expect(statSync(join(runtime, scratch!)).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(join(runtime, scratch!))) expect(statSync(join(runtime, scratch!, name)).mode & 0o777).toBe(0o600);
    terminal.type('echo "role=$JIT_ROLE"\n');
    await terminal.waitFor(/role=demo/);
    terminal.type('exit 3\n');
    expect(await terminal.exited).toBe(3);
    expect(box.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'exit', revocation: 'verified' }]);
    expect(await sandboxes.keyring().jitAccounts()).toEqual([]);
    expect(scratchDirs(runtime)).toEqual([]);
  });

  it('leaves the prompt alone with --no-prompt', async () => {
    const { terminal, runtime } = elevateIn(shell, '--ticket', 'OPS-8', '--role', 'demo', '--no-prompt');
    await terminal.waitFor(/mine[$%#>] /);
    terminal.type('echo "segment=[$jit_prompt]"\n');
    await terminal.waitFor(/segment=\[\]/);
    expect(terminal.screen()).not.toMatch(/\(demo 1[45]m\)/);
    expect(scratchDirs(runtime)).toEqual([]);
    terminal.type('exit\n');
    expect(await terminal.exited).toBe(0);
  });
});

describe('config', () => {
  it('prompt: false in config.yaml turns the segment off', async () => {
    box = sandboxes.box();
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(box.configDir, 'config.yaml'), 'backend: embedded\nprompt: false\n', { mode: 0o600 });
    writeFileSync(join(box.home, '.bashrc'), "PS1='mine$ '\n");
    const terminal = openTerminal([process.execPath, JIT_BIN, 'elevate', '--shell', '/usr/bin/bash', '-t', 'OPS-9', '-r', 'demo'], box.env);
    await terminal.waitFor(/mine\$ /);
    terminal.type('exit 4\n');
    expect(await terminal.exited).toBe(4);
    expect(terminal.screen()).not.toMatch(/\(demo 1[45]m\)/);
  });
});
