// What completions need to know of the command line, read from commander's own definitions so a
// new command or flag reaches every shell without anyone having to remember.
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { COMPLETION_CACHE_FILE } from '../../platform/paths.js';

/** What a flag's value or an argument is, and so what Tab offers for it. */
export type ValueKind = 'role' | 'grant' | 'duration' | 'shell' | 'file' | 'command' | 'text';

export interface OptionSpec {
  short?: string;
  long: string;
  description: string;
  /** Absent for a flag that takes no value. */
  value?: ValueKind;
}

export interface CommandSpec {
  /** ['audit', 'verify']; [] is jit itself. */
  path: string[];
  description: string;
  options: OptionSpec[];
  /** The kind of the positional arguments, if the command takes any. */
  argument?: ValueKind;
  subcommands: string[];
}

const valueOfOption: Record<string, ValueKind> = {
  '--role': 'role',
  '--grant': 'grant',
  '--ttl': 'duration',
  '--wait': 'duration',
  '--shell': 'file',
};

const valueOfArgument: Record<string, ValueKind> = {
  'grant-id': 'grant',
  shell: 'shell',
  command: 'command',
};

const help: OptionSpec = { short: '-h', long: '--help', description: 'show help for this command' };

export const CACHE_FILE = COMPLETION_CACHE_FILE;

export function describeProgram(program: Command): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const walk = (command: Command, path: string[]) => {
    const options: OptionSpec[] = command.options.map((option) => {
      const value = option.required || option.optional ? (valueOfOption[option.long!] ?? 'text') : undefined;
      return { ...(option.short ? { short: option.short } : {}), long: option.long!, description: option.description, ...(value ? { value } : {}) };
    });
    const [argument] = command.registeredArguments;
    const argumentKind = argument ? (valueOfArgument[argument.name()] ?? 'text') : undefined;
    specs.push({
      path,
      description: command.description(),
      options: [...options, help],
      ...(argumentKind ? { argument: argumentKind } : {}),
      subcommands: command.commands.map((sub) => sub.name()),
    });
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return specs;
}

/** The shell expression for the cache file the CLI writes after each command (roles, live grant ids). */
export const cachePathExpression = `\${JIT_STATE_DIR:-\${XDG_STATE_HOME:-$HOME/.local/state}/jit}/${CACHE_FILE}`;

export const DURATION_SUGGESTIONS = ['15m', '30m', '1h', '2h'];
export const SHELL_NAMES = ['bash', 'zsh', 'fish'];
