// The prompt segment from `jit prompt SHELL`, run in the real shells: its text, its colour, its
// warnings, and proof (strace) that bash and zsh start no process to draw it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const file = (shell: string) => resolve(`completions/prompt.${shell}`);
const now = () => Math.floor(Date.now() / 1000);

/** The environment of a session with `secondsLeft` to go, and nothing inherited from the developer's. */
function sessionEnv(secondsLeft: number | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), LANG: 'C.UTF-8', ...extra };
  if (secondsLeft === undefined) return base;
  return { ...base, JIT_SESSION: 'g_0123456789abcdefghijklmnop', JIT_ROLE: 'prod-db-admin', JIT_TICKET: 'OPS-123', JIT_EXPIRES_AT: String(now() + secondsLeft) };
}

const script = {
  bash: (body: string) => ['bash', ['--norc', '--noprofile', '-c', `source ${file('bash')}; ${body}`]] as const,
  zsh: (body: string) => ['zsh', ['-f', '-c', `source ${file('zsh')}; ${body}`]] as const,
  fish: (body: string) => ['fish', ['--no-config', '-c', `source ${file('fish')}; ${body}`]] as const,
};

function run(shell: keyof typeof script, body: string, env: Record<string, string>) {
  const [command, args] = script[shell](body);
  const result = spawnSync(command, args, { env, encoding: 'utf8', timeout: 10_000 });
  expect(result.status, result.stderr).toBe(0);
  return { stdout: result.stdout, stderr: result.stderr };
}

const SHELLS = ['bash', 'zsh', 'fish'] as const;

describe.each(SHELLS)('jit_prompt_info in %s', (shell) => {
  const info = (secondsLeft: number | undefined, extra: Record<string, string> = { NO_COLOR: '1' }) => run(shell, 'jit_prompt_info', sessionEnv(secondsLeft, extra)).stdout;

  it('shows the role and whole minutes left (25m)', () => {
    expect(info(25 * 60 + 30)).toBe('prod-db-admin 25m');
  });

  it('shows seconds under a minute (45s)', () => {
    expect(info(45)).toMatch(/^prod-db-admin 4[3-5]s$/);
  });

  it('shows "expired" after the end', () => {
    expect(info(-5)).toBe('prod-db-admin expired');
  });

  it('prints nothing outside a jit session', () => {
    expect(info(undefined)).toBe('');
  });

  it('is red under 5 minutes, plain above, and never coloured with NO_COLOR', () => {
    const red = shell === 'zsh' ? '%F{red}' : '\x1b[31m';
    expect(info(4 * 60, {})).toContain(red);
    expect(info(25 * 60, {})).not.toContain(red);
    expect(info(4 * 60, { NO_COLOR: '1' })).toBe('prod-db-admin 4m');
  });

  it('says BREAK-GLASS in a break-glass session, in red whatever the time left', () => {
    expect(info(25 * 60 + 30, { NO_COLOR: '1', JIT_BREAKGLASS: '1' })).toBe('BREAK-GLASS prod-db-admin 25m');
    const red = shell === 'zsh' ? '%F{red}' : '\x1b[31m';
    expect(info(25 * 60 + 30, { JIT_BREAKGLASS: '1' })).toContain(red);
  });

  it('shows only plain characters of a forged JIT_ROLE', () => {
    const env = { ...sessionEnv(25 * 60 + 30, { NO_COLOR: '1' }), JIT_ROLE: 'x\x1b]0;owned\x07$(id)' };
    expect(run(shell, 'jit_prompt_info', env).stdout).toBe('x??0?owned???id? 25m');
  });
});

describe.each(['bash', 'zsh'] as const)('the %s pre-prompt hook', (shell) => {
  const hook = '__jit_prompt_precmd';

  it('sets $jit_prompt for PS1 and warns once at 10 minutes left', () => {
    const { stdout, stderr } = run(shell, `${hook}; ${hook}; ${hook}; printf '%s' "$jit_prompt"`, sessionEnv(9 * 60 + 30, { NO_COLOR: '1' }));
    expect(stdout).toBe('prod-db-admin 9m');
    expect(stderr).toBe('jit: 9m left in this session (prod-db-admin, OPS-123); it ends at the TTL unless you run jit extend\n');
  });

  it('warns again at 2 minutes left', () => {
    const { stderr } = run(shell, `${hook}; ${hook}`, sessionEnv(100, { NO_COLOR: '1' }));
    expect(stderr).toBe('jit: 1m left in this session (prod-db-admin, OPS-123); it ends at the TTL unless you run jit extend\n');
  });

  it('says nothing with more than 10 minutes left', () => {
    expect(run(shell, hook, sessionEnv(30 * 60)).stderr).toBe('');
  });
});

describe('fish pre-prompt warning', () => {
  it('warns once at 10 minutes left', () => {
    const { stderr } = run('fish', 'emit fish_prompt; emit fish_prompt', sessionEnv(9 * 60 + 30));
    expect(stderr).toBe('jit: 9m left in this session (prod-db-admin, OPS-123); it ends at the TTL unless you run jit extend\n');
  });
});

describe.each(SHELLS)('after jit extend, in %s', (shell) => {
  const scratch = mkdtempSync(join(tmpdir(), 'jit-end-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const endFile = (name: string, text: string) => {
    const path = join(scratch, name);
    writeFileSync(path, text);
    return path;
  };

  it('shows the end jit wrote to JIT_EXPIRES_FILE, and exports it as JIT_EXPIRES_AT for what runs next', () => {
    const file = endFile('moved', `${now() + 50 * 60 + 30}\n`);
    const print = shell === 'fish' ? 'jit_prompt_info; printf " %s" (string length -- $JIT_EXPIRES_AT)' : 'jit_prompt_info; printf " %s" ${#JIT_EXPIRES_AT}';
    expect(run(shell, print, sessionEnv(5 * 60 + 30, { NO_COLOR: '1', JIT_EXPIRES_FILE: file })).stdout).toBe('prod-db-admin 50m 10');
  });

  it('keeps JIT_EXPIRES_AT when the file is missing, not a number, or not a regular file (a FIFO would block the prompt)', () => {
    const fifo = join(scratch, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const path of [join(scratch, 'absent'), endFile('forged', '1e30\n'), endFile('escapes', '\x1b]0;x\x07\n'), fifo]) {
      expect(run(shell, 'jit_prompt_info', sessionEnv(25 * 60 + 30, { NO_COLOR: '1', JIT_EXPIRES_FILE: path })).stdout).toBe('prod-db-admin 25m');
    }
  });
});

describe.each(['bash', 'zsh'] as const)('the %s pre-prompt hook after jit extend', (shell) => {
  it('warns again as the session nears its new end', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'jit-end-'));
    try {
      const file = join(scratch, 'end');
      writeFileSync(file, `${now() + 9 * 60 + 30}\n`);
      // Warned at 10 minutes, extended (to another end with under 10 minutes left), warned again.
      const body = `__jit_prompt_precmd; printf '%s\\n' ${now() + 8 * 60 + 30} >${file}; __jit_prompt_precmd; __jit_prompt_precmd`;
      const { stderr } = run(shell, body, sessionEnv(9 * 60 + 50, { NO_COLOR: '1', JIT_EXPIRES_FILE: file }));
      expect(stderr.match(/left in this session/g)).toHaveLength(2);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('the segment costs no process', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'jit-strace-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  // strace -f sees every fork, clone and exec of the shell; drawing 200 prompts must add none.
  it.each([
    ['bash', 'for i in {1..200}; do __jit_prompt_precmd; jit_prompt_info >/dev/null; done'],
    ['zsh', 'repeat 200 { __jit_prompt_precmd; jit_prompt_info >/dev/null }'],
  ] as const)('%s: 200 prompts, no fork and no exec beyond the shell itself', (shell, loop) => {
    const log = join(scratch, `${shell}.log`);
    const [command, args] = script[shell](loop);
    // With an end file too, as in a session `jit extend` moved: read with a builtin.
    const end = join(scratch, `${shell}.end`);
    writeFileSync(end, `${now() + 40 * 60}\n`);
    execFileSync('strace', ['-f', '-e', 'trace=fork,vfork,clone,clone3,execve', '-o', log, command, ...args], { env: sessionEnv(25 * 60, { JIT_EXPIRES_FILE: end }), timeout: 20_000 });
    const calls = readFileSync(log, 'utf8').split('\n').filter((line) => /\b(fork|vfork|clone3?|execve)\(/.test(line));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(new RegExp(`execve\\("[^"]*/${shell}"`));
  });
});
