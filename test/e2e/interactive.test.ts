// Interactive when it helps, silent when scripted: questions and spinners on a real terminal only.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JIT_BIN, type Sandbox } from '../support/jit.js';
import { openTerminal } from '../support/pty.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { until } from '../support/waits.js';

const sandboxes = useKeyringSandboxes();
let box: Sandbox;

const jitOnTerminal = (...args: string[]) => openTerminal([process.execPath, JIT_BIN, ...args], box.env);
const ENTER = '\r';
const BACKSPACE = '\x7f';

function liveGrants(): number {
  if (!existsSync(join(box.stateDir, 'jit.db'))) return 0;
  const db = box.db();
  try {
    return (db.prepare("SELECT count(*) AS n FROM grants WHERE state = 'active'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('on a terminal', () => {
  it('asks for a missing role from a list and a missing ticket with validation, then runs', async () => {
    box = sandboxes.box();
    const terminal = jitOnTerminal('exec', '--', 'sh', '-c', 'echo "got=$JIT_ROLE/$JIT_TICKET"');
    await terminal.waitFor(/Role/);
    await terminal.waitFor(/demo\s+max 1h\s+Demonstration role/);
    terminal.type(ENTER);
    await terminal.waitFor(/Ticket for demo/);
    terminal.type('bad ticket');
    await terminal.waitFor(/bad ticket\s+✗/);
    terminal.type(ENTER);
    await terminal.waitFor(/use the ticket's key as its system shows it/);
    terminal.type(BACKSPACE.repeat('bad ticket'.length) + 'OPS-42' + ENTER);
    await terminal.waitFor(/got=demo\/OPS-42/);
    expect(await terminal.exited).toBe(0);
  });

  it('Ctrl-C at a question cancels with exit 130 and requests nothing', async () => {
    box = sandboxes.box();
    const terminal = jitOnTerminal('elevate', '-r', 'demo');
    await terminal.waitFor(/Ticket for demo/);
    terminal.type('\x03');
    expect(await terminal.exited).toBe(130);
    expect(terminal.screen()).toContain('cancelled at the prompt; nothing was requested');
    expect(terminal.screen()).not.toContain('internal error');
    expect(box.grantStates()).toEqual([]);
  });

  it('asks nothing with --no-input: exit 64 naming the flag', async () => {
    box = sandboxes.box();
    const terminal = jitOnTerminal('exec', '--no-input', '-r', 'demo', '--', 'true');
    expect(await terminal.exited).toBe(64);
    expect(terminal.screen()).toContain('missing --ticket');
    expect(terminal.screen()).not.toContain('Ticket for');
  });

  it('asks nothing when CI is set: exit 64 naming the flag', async () => {
    box = sandboxes.box({ CI: 'true' });
    const terminal = jitOnTerminal('elevate', '-t', 'OPS-1');
    expect(await terminal.exited).toBe(64);
    expect(terminal.screen()).toContain('missing --role');
  });

  it('`revoke --all` asks first: "n" keeps the grants, "y" revokes them', async () => {
    box = sandboxes.box();
    const session = box.spawn(['exec', '-t', 'OPS-5', '-r', 'demo', '--', 'sleep', '30']);
    let stderr = '';
    session.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => session.on('exit', resolve));
    // The database may exist before its tables do: keep asking until the grant is there.
    await until('a live grant', () => {
      if (session.exitCode !== null) throw new Error(`the session ended (${session.exitCode}) before its grant was seen: ${stderr}`);
      try {
        return liveGrants() === 1;
      } catch {
        return false;
      }
    });

    const declined = jitOnTerminal('revoke', '--all');
    await declined.waitFor(/Revoke 1 live grant/);
    declined.type('n' + ENTER);
    expect(await declined.exited).toBe(0);
    expect(declined.screen()).toContain('Nothing revoked.');
    expect(liveGrants()).toBe(1);

    const accepted = jitOnTerminal('revoke', '--all');
    await accepted.waitFor(/Revoke 1 live grant/);
    accepted.type('y' + ENTER);
    expect(await accepted.exited).toBe(0);
    expect(liveGrants()).toBe(0);
    expect(await ended).toBe(75);
  });

  it('shows a spinner while a slow issuer works', async () => {
    box = sandboxes.box();
    const bin = join(box.home, 'bin');
    mkdirSync(bin, { mode: 0o700 });
    const script = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\ncat >/dev/null\n${body}\n`);
      chmodSync(join(bin, name), 0o700);
      return join(bin, name);
    };
    const issue = script('issue', `sleep 1; echo '{"env":{"SLOW_TOKEN":"t"}}'`);
    const revoke = script('revoke', 'true');
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(box.configDir, 'policy.yaml'),
      `roles:\n  slow:\n    description: A slow target\n    ttl: { default: 5m, max: 10m }\n    ticket: { system: offline, pattern: '^OPS-[0-9]+$' }\n    requesters: ['*']\n    approval: { required: 0 }\n    issuer: { type: command, issue: ${issue}, revoke: ${revoke} }\n`,
      { mode: 0o600 },
    );
    const terminal = jitOnTerminal('exec', '-t', 'OPS-1', '-r', 'slow', '--', 'true');
    await terminal.waitFor(/requesting slow for OPS-1/);
    expect(await terminal.exited).toBe(0);

    const piped = await box.run(['exec', '-t', 'OPS-2', '-r', 'slow', '--', 'true']);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain('requesting');
  });
});

describe('off a terminal', () => {
  it('fails at once with exit 64 naming the missing flag, and requests nothing', async () => {
    box = sandboxes.box();
    const result = await box.run(['elevate', '-t', 'OPS-1']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('missing --role');
    expect(result.stderr).toContain('--role ROLE');
    expect(existsSync(join(box.stateDir, 'jit.db'))).toBe(false);
  });

  it('`revoke --all` does not ask', async () => {
    box = sandboxes.box();
    const result = await box.run(['revoke', '--all']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No live grants to revoke.\n');
  });
});
