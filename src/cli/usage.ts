// Command-line errors in jit's one shape: commander's own parse errors (unknown command or option,
// missing or extra argument) become a usage JitError (exit 64) with commander's "did you mean" as the
// hint, and `jit exec` refuses a command that is not after `--`.
import { CommanderError, type CommandUnknownOpts as Command, type Option } from '@commander-js/extra-typings';
import { JitError, displayValue } from '../core/errors.js';

/** The subcommands named on the command line, outermost first: ['audit', 'verify']. */
function commandPath(program: Command, args: string[]): Command[] {
  const path: Command[] = [];
  let current = program;
  for (const arg of args) {
    if (arg === '--') break;
    if (arg.startsWith('-')) continue;
    const sub = current.commands.find((command) => command.name() === arg || command.aliases().includes(arg));
    if (!sub) break;
    path.push(sub);
    current = sub;
  }
  return path;
}

function takesValue(option: Option | undefined): boolean {
  return Boolean(option && (option.required || option.optional));
}

/** A token shown as the user could type it again: plain when safe, else single-quoted; long ones cut. */
function shellWord(token: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(token) && token.length <= 40) return token;
  if (/[\u0000-\u001f\u007f]/.test(token) || token.length > 40) return displayValue(token);
  return `'${token.replace(/'/g, `'\\''`)}'`;
}

/**
 * `jit exec -t X -r R sh -c '…'`: the command's own options would be read as jit's (`grep -r admin`
 * would even change the role). Returns the line with `--` where it belongs (the command's arguments
 * left out: they may be long or private), or undefined when the command already follows `--`.
 */
export function execWithoutDashDash(program: Command, args: string[]): string | undefined {
  const execAt = args.indexOf('exec');
  const exec = program.commands.find((command) => command.name() === 'exec');
  if (execAt < 0 || !exec) return undefined;
  const tokens = args.slice(execAt + 1);
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token === '--') return undefined;
    if (token.startsWith('-') && token.length > 1) {
      const option = exec.options.find((candidate) => candidate.short === token || candidate.long === token);
      if (option) {
        if (takesValue(option)) index++;
        continue;
      }
      // --ticket=X and -tX carry their value; any other unknown flag came first: not a forgotten `--`.
      const attached = exec.options.find((candidate) => takesValue(candidate) && ((candidate.long && token.startsWith(`${candidate.long}=`)) || (candidate.short && token.startsWith(candidate.short))));
      if (attached) continue;
      return undefined;
    }
    const before = tokens.slice(0, index).map(shellWord);
    return ['jit', 'exec', ...before, '--', shellWord(token), ...(index < tokens.length - 1 ? ['…'] : [])].join(' ');
  }
  return undefined;
}

export function mustFollowDashDash(fixed: string, unknownOption?: string): JitError {
  const message = unknownOption
    ? `unknown option ${displayValue(unknownOption)} for jit exec: the command to run, with its options, goes after --`
    : 'the command to run, with its options, goes after --';
  return new JitError('usage', message, { hint: `put it there: ${fixed}` });
}

/** commander's error as jit's: `jit: unknown option '--tiket'` / `→ did you mean --ticket? …`. */
export function usageError(error: CommanderError, program: Command, args: string[]): JitError {
  const [first = error.message, ...rest] = error.message.replace(/^error: /, '').split('\n');
  const suggestion = rest.map((line) => /^\(Did you mean (.*)\)$/.exec(line)?.[1]).find(Boolean);
  const path = commandPath(program, args);
  const name = ['jit', ...path.map((command) => command.name())].join(' ');

  if (error.code === 'commander.unknownOption') {
    const fixed = execWithoutDashDash(program, args);
    const flag = /'([^']*)'/.exec(first)?.[1];
    if (fixed && path.at(-1)?.name() === 'exec') return mustFollowDashDash(fixed, flag);
  }
  const help = error.code === 'commander.unknownCommand' ? '`jit --help` lists the commands' : `\`${name} --help\` shows its usage and examples`;
  return new JitError('usage', first, { hint: suggestion ? `did you mean ${suggestion} (${help})` : help });
}
