// bash completion, rendered from the command specs. Roles and grant ids come from the local cache
// file, read with bash's own `read`: Tab never calls jit, a broker or the network.
import { cachePathExpression, DURATION_SUGGESTIONS, SHELL_NAMES, type CommandSpec, type ValueKind } from './spec.js';

const words = (list: string[]) => list.join(' ');

function valueCompletion(kind: ValueKind): string {
  switch (kind) {
    case 'role':
    case 'grant':
      return `__jit_cached ${kind}; COMPREPLY=($(compgen -W "\${__jit_values[*]}" -- "$cur"))`;
    case 'duration':
      return `COMPREPLY=($(compgen -W "${words(DURATION_SUGGESTIONS)}" -- "$cur"))`;
    case 'shell':
      return `COMPREPLY=($(compgen -W "${words(SHELL_NAMES)}" -- "$cur"))`;
    case 'file':
    case 'command':
      return 'compopt -o default; COMPREPLY=()';
    case 'text':
      return 'COMPREPLY=()';
  }
}

export function renderBash(specs: CommandSpec[]): string {
  const paths = specs.filter((spec) => spec.path.length > 0).map((spec) => `'${spec.path.join(' ')}'`);
  const valueFlags = new Map<ValueKind, Set<string>>();
  for (const spec of specs) {
    for (const option of spec.options) {
      if (!option.value) continue;
      const set = valueFlags.get(option.value) ?? new Set<string>();
      for (const flag of [option.short, option.long]) if (flag) set.add(flag);
      valueFlags.set(option.value, set);
    }
  }
  const valueCases = [...valueFlags].map(([kind, flags]) => `    ${[...flags].join('|')})\n      ${valueCompletion(kind)}\n      return ;;`);
  const commandCases = specs.map((spec) => {
    const flags = spec.options.flatMap((option) => [option.short, option.long].filter((flag): flag is string => Boolean(flag)));
    const positional = spec.subcommands.length ? `COMPREPLY=($(compgen -W "${words(spec.subcommands)}" -- "$cur"))` : spec.argument ? valueCompletion(spec.argument) : 'COMPREPLY=()';
    return `    '${spec.path.join(' ')}')\n      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "${words(flags)}" -- "$cur")); else ${positional}; fi ;;`;
  });
  return `# bash completion for jit: \`eval "$(jit completion bash)"\` in ~/.bashrc, or save it as
# ~/.local/share/bash-completion/completions/jit. Generated from jit's command definitions.
# Role names and grant ids come from a cache file jit writes after each command: no broker, no network.

__jit_cached() {
  __jit_values=()
  local file="${cachePathExpression}" kind value
  [[ -r $file ]] || return 0
  while read -r kind value; do
    [[ $kind == "$1" ]] && __jit_values+=("$value")
  done <"$file"
}

_jit() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD - 1]} path= word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    # After \`jit exec … --\` the words are the command's own.
    [[ $word == -- ]] && { compopt -o default; COMPREPLY=(); return 0; }
    case "\${path:+$path }$word" in
      ${paths.join('|')}) path="\${path:+$path }$word" ;;
    esac
  done
  case $prev in
${valueCases.join('\n')}
  esac
  case $path in
${commandCases.join('\n')}
  esac
}
complete -F _jit jit
`;
}
