// zsh completion, rendered from the command specs: one function per command, each an _arguments
// call. Roles and grant ids come from the local cache file, read with $(<file), which starts no process.
import { cachePathExpression, DURATION_SUGGESTIONS, SHELL_NAMES, type CommandSpec, type OptionSpec, type ValueKind } from './spec.js';

/** Text inside single quotes. */
function quoted(text: string): string {
  return text.replace(/'/g, `'\\''`);
}

/** Text inside a single-quoted _arguments spec, where [ ] : and \ are its own syntax. */
function escape(text: string): string {
  return quoted(text.replace(/([[\]:\\])/g, '\\$1'));
}

function action(kind: ValueKind): string {
  switch (kind) {
    case 'role':
      return 'role:__jit_roles';
    case 'grant':
      return 'grant id:__jit_grants';
    case 'duration':
      return `duration:(${DURATION_SUGGESTIONS.join(' ')})`;
    case 'shell':
      return `shell:(${SHELL_NAMES.join(' ')})`;
    case 'file':
      return 'file:_files';
    case 'command':
      return 'command:_normal';
    case 'text':
      return 'value: ';
  }
}

function optionSpec(option: OptionSpec): string {
  const value = option.value ? `:${action(option.value)}` : '';
  const description = `[${escape(option.description)}]`;
  if (!option.short) return `'${option.long}${description}${value}'`;
  return `'(${option.short} ${option.long})'{${option.short},${option.long}}'${description}${value}'`;
}

const functionName = (path: string[]) => ['_jit', ...path].join('__').replace(/-/g, '_');

function renderCommand(spec: CommandSpec, byPath: Map<string, CommandSpec>): string {
  const specs = spec.options.map(optionSpec);
  if (spec.subcommands.length) specs.push(`'1: :->command'`, `'*:: :->args'`);
  else if (spec.argument === 'command') specs.push(`'*:: :_normal'`);
  else if (spec.argument) specs.push(`'1:${action(spec.argument)}'`);
  const lines = [`${functionName(spec.path)}() {`, '  local curcontext=$curcontext state line ret=1', `  _arguments -C -s \\\n    ${specs.join(' \\\n    ')} && ret=0`];
  if (spec.subcommands.length) {
    // _describe splits name from description at the first colon; command names have none.
    const described = spec.subcommands.map((name) => `'${name}:${quoted(byPath.get([...spec.path, name].join(' '))!.description)}'`);
    lines.push(
      '  case $state in',
      `    command) local -a commands=(${described.join(' ')}); _describe -t commands command commands && ret=0 ;;`,
      `    args) (( $+functions[${functionName(spec.path)}__$words[1]] )) && ${functionName(spec.path)}__$words[1] && ret=0 ;;`,
      '  esac',
    );
  }
  lines.push('  return ret', '}');
  return lines.join('\n');
}

export function renderZsh(specs: CommandSpec[]): string {
  const byPath = new Map(specs.map((spec) => [spec.path.join(' '), spec]));
  return `#compdef jit
# zsh completion for jit: \`jit completion zsh > "\${fpath[1]}/_jit"\`, or \`eval "$(jit completion zsh)"\`
# in ~/.zshrc after compinit. Generated from jit's command definitions. Role names and grant ids come
# from a cache file jit writes after each command: no broker, no network.

__jit_cached() {
  local file="${cachePathExpression}"
  [[ -r $file ]] || return 1
  reply=(\${\${(M)\${(f)"$(<$file)"}:#$1 *}#$1 })
}
__jit_roles() { local -a reply; __jit_cached role && compadd -a reply; }
__jit_grants() { local -a reply; __jit_cached grant && compadd -a reply; }

${specs.map((spec) => renderCommand(spec, byPath)).join('\n\n')}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _jit "$@"
else
  compdef _jit jit
fi
`;
}
