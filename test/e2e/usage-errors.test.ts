// Errors from parsing the command line have jit's one shape — `jit: what failed`, then `  → what to
// do` — with commander's suggestion when it has one, exit 64, and nothing requested.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../support/jit.js';

const boxes: Sandbox[] = [];
afterEach(() => boxes.splice(0).forEach((box) => box.remove()));

async function run(args: string[]) {
  const box = sandbox();
  boxes.push(box);
  const result = await box.run(args);
  return { ...result, stored: existsSync(join(box.stateDir, 'jit.db')) };
}

describe('command-line errors', () => {
  it.each([
    ['an unknown command', ['stats'], "jit: unknown command 'stats'", '  → did you mean status? (`jit --help` lists the commands)'],
    ['an unknown command like no other', ['frobnicate'], "jit: unknown command 'frobnicate'", '  → `jit --help` lists the commands'],
    ['an unknown option', ['status', '--jsn'], "jit: unknown option '--jsn'", '  → did you mean --json? (`jit status --help` shows its usage and examples)'],
    ['an unknown option of exec', ['exec', '--tiket', 'OPS-1', '-r', 'demo', '--', 'true'], "jit: unknown option '--tiket'", '  → did you mean --ticket? (`jit exec --help` shows its usage and examples)'],
    ['a missing argument', ['completion'], "jit: missing required argument 'shell'", '  → `jit completion --help` shows its usage and examples'],
    ['too many arguments', ['audit', 'verify', 'extra'], "jit: too many arguments for 'verify'. Expected 0 arguments but got 1.", '  → `jit audit verify --help` shows its usage and examples'],
    ['an option without its value', ['exec', '-t'], "jit: option '-t, --ticket <id>' argument missing", '  → `jit exec --help` shows its usage and examples'],
  ])('%s: exit 64, two lines in jit\'s shape', async (_name, args, message, hint) => {
    const result = await run(args);
    expect(result.stderr).toBe(`${message}\n${hint}\n`);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(64);
    expect(result.stored).toBe(false);
  });

  it.each([
    ['sh -c (an option jit does not know)', ['sh', '-c', 'echo hi'], 'jit: unknown option "-c" for jit exec: the command to run, with its options, goes after --', 'jit exec -t OPS-1 -r demo -- sh …'],
    // SECURITY: without the refusal, grep's -r would have replaced the role.
    ['grep -r admin (an option jit knows)', ['grep', '-r', 'admin', '/etc'], 'jit: the command to run, with its options, goes after --', 'jit exec -t OPS-1 -r demo -- grep …'],
    ['ls (no options at all)', ['ls'], 'jit: the command to run, with its options, goes after --', 'jit exec -t OPS-1 -r demo -- ls'],
  ])('exec with the command before --, %s: exit 64, says where it goes, requests nothing', async (_name, command, message, fixed) => {
    const result = await run(['exec', '-t', 'OPS-1', '-r', 'demo', ...command]);
    expect(result.stderr).toBe(`${message}\n  → put it there: ${fixed}\n`);
    expect(result.code).toBe(64);
    expect(result.stored).toBe(false);
  });

  it('a bare `jit` prints the help and exits 64', async () => {
    const result = await run([]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('Usage: jit [options] [command]');
  });
});
