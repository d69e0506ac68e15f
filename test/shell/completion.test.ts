// Completions: valid in each shell, in step with the program, covering every command and flag, and
// completing roles and grant ids from the local cache without calling jit.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JIT_BIN } from '../support/jit.js';
import { buildProgram } from '../../src/cli/program.js';
import type { Context } from '../../src/cli/context.js';
import { describeProgram } from '../../src/shell/completion/spec.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
const committed = (shell: string) => readFileSync(resolve(`completions/jit.${shell}`), 'utf8');
const specs = describeProgram(buildProgram({} as Context, () => {}));

const state = mkdtempSync(join(tmpdir(), 'jit-completion-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));
mkdirSync(join(state, 'jit'));
writeFileSync(join(state, 'jit', 'completion-cache'), 'role demo\nrole prod-db-admin\ngrant g_0123456789abcdefghijklmnop\n');
// The shells see only this cache; no jit on PATH, so a completion that called jit would find nothing.
const env = { PATH: '/usr/bin:/bin', HOME: state, XDG_STATE_HOME: state, LANG: 'C.UTF-8' };

describe.each(SHELLS)('completions/jit.%s', (shell) => {
  it('is valid shell code', () => {
    const check = { bash: ['bash', ['-n']], zsh: ['zsh', ['-n']], fish: ['fish', ['--no-execute']] } as const;
    const [command, args] = check[shell];
    const result = spawnSync(command, [...args, resolve(`completions/jit.${shell}`)], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is what `jit completion` prints now (run `npm run completions` after changing a command)', () => {
    expect(committed(shell)).toBe(execFileSync(process.execPath, [JIT_BIN, 'completion', shell], { encoding: 'utf8' }));
  });

  it('names every command and every flag of the program', () => {
    const text = committed(shell);
    const missing: string[] = [];
    for (const spec of specs) {
      for (const name of spec.path) if (!text.includes(name)) missing.push(spec.path.join(' '));
      for (const option of spec.options) {
        // fish writes flags without their dashes (-l ticket, -s t).
        const forms = shell === 'fish' ? [`-l ${option.long.slice(2)}`, ...(option.short ? [`-s ${option.short.slice(1)}`] : [])] : [option.long, ...(option.short ? [option.short] : [])];
        for (const form of forms) if (!hasToken(text, form)) missing.push(`${spec.path.join(' ') || 'jit'} ${form}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

/** Whether `token` stands on its own in the text: `-t` inside `--ticket` or `-tx` does not count. */
function hasToken(text: string, token: string): boolean {
  return new RegExp(`(?<![\\w-])${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(text);
}

describe('the coverage check itself', () => {
  it('does not find a short flag inside a long one', () => {
    expect(hasToken('--ticket', '-t')).toBe(false);
    expect(hasToken("'(-t --ticket)'{-t,--ticket}", '-t')).toBe(true);
    expect(hasToken('-s t -l ticket', '-s t')).toBe(true);
    expect(hasToken('-s tx', '-s t')).toBe(false);
  });
});

describe('coverage of the program itself', () => {
  it('knows the commands of DESIGN.md this version has, and the shell-experience ones', () => {
    const commands = specs.map((spec) => spec.path.join(' ')).filter(Boolean);
    expect(commands).toEqual(expect.arrayContaining(['elevate', 'exec', 'status', 'revoke', 'roles', 'audit', 'audit verify', 'audit standing', 'init', 'doctor', 'completion', 'prompt']));
  });
});

/** Asks bash's own completion machinery what Tab offers for a command line (its last word is completed). */
function bashComplete(line: string): string[] {
  const script = `source ${resolve('completions/jit.bash')}
complete -p jit >/dev/null || exit 9
COMP_WORDS=(${line}); COMP_CWORD=\${#COMP_WORDS[@]}; [[ "${line}" == *" " ]] && { COMP_WORDS+=(""); COMP_CWORD=\${#COMP_WORDS[@]}; }
COMP_CWORD=$((COMP_CWORD - 1)); _jit; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { env, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it('registers for jit (complete -p jit)', () => {
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', `source ${resolve('completions/jit.bash')}; complete -p jit`], { env, encoding: 'utf8' });
    expect(out.trim()).toBe('complete -F _jit jit');
  });

  it('completes commands, subcommands and flags', () => {
    expect(bashComplete('jit el')).toEqual(['elevate']);
    expect(bashComplete('jit audit ')).toEqual(['verify', 'export', 'standing']);
    expect(bashComplete('jit elevate --ti')).toEqual(['--ticket']);
  });

  it('completes role names and grant ids from the cache', () => {
    expect(bashComplete('jit elevate --role ')).toEqual(['demo', 'prod-db-admin']);
    expect(bashComplete('jit exec -t OPS-1 -r pr')).toEqual(['prod-db-admin']);
    expect(bashComplete('jit revoke ')).toEqual(['g_0123456789abcdefghijklmnop']);
    expect(bashComplete('jit completion ')).toEqual(['bash', 'zsh', 'fish']);
  });
});

describe('fish completion', () => {
  const fishComplete = (line: string) =>
    execFileSync('fish', ['--no-config', '-c', `source ${resolve('completions/jit.fish')}; complete -C ${JSON.stringify(line)}`], { env, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((row) => row.split('\t')[0]);

  it('completes role names and grant ids from the cache', () => {
    expect(fishComplete('jit elevate --role ')).toEqual(['demo', 'prod-db-admin']);
    expect(fishComplete('jit revoke ')).toContain('g_0123456789abcdefghijklmnop');
  });

  it('completes subcommands', () => {
    expect(fishComplete('jit audit ')).toEqual(expect.arrayContaining(['verify', 'export', 'standing']));
  });
});
