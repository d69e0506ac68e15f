// fish completion, rendered from the command specs. Roles and grant ids come from the local cache
// file, read with fish's own `string` builtin: Tab never calls jit, a broker or the network.
import { CACHE_FILE, DURATION_SUGGESTIONS, SHELL_NAMES, type CommandSpec, type ValueKind } from './spec.js';

const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function values(kind: ValueKind): string {
  switch (kind) {
    case 'role':
    case 'grant':
      return ` -f -a '(__jit_cached ${kind})'`;
    case 'duration':
      return ` -f -a '${DURATION_SUGGESTIONS.join(' ')}'`;
    case 'shell':
      return ` -f -a '${SHELL_NAMES.join(' ')}'`;
    case 'file':
      return ' -F';
    case 'command':
      return ' -F -a "(__fish_complete_subcommand)"';
    case 'text':
      return ' -f';
  }
}

/** A command's completions apply once its own words are on the line and none of its subcommands are. */
function condition(spec: CommandSpec): string {
  const seen = spec.path.map((name) => `__fish_seen_subcommand_from ${name}`);
  const notChild = spec.subcommands.length ? [`not __fish_seen_subcommand_from ${spec.subcommands.join(' ')}`] : [];
  return spec.path.length === 0 ? '__fish_use_subcommand' : [...seen, ...notChild].join('; and ');
}

export function renderFish(specs: CommandSpec[]): string {
  const byPath = new Map(specs.map((spec) => [spec.path.join(' '), spec]));
  const lines: string[] = [];
  for (const spec of specs) {
    const when = `-n ${quote(condition(spec))}`;
    for (const sub of spec.subcommands) {
      lines.push(`complete -c jit ${when} -f -a ${sub} -d ${quote(byPath.get([...spec.path, sub].join(' '))!.description)}`);
    }
    for (const option of spec.options) {
      const short = option.short ? ` -s ${option.short.slice(1)}` : '';
      const takes = option.value ? ` -r${values(option.value)}` : '';
      lines.push(`complete -c jit ${when}${short} -l ${option.long.slice(2)}${takes} -d ${quote(option.description)}`);
    }
    if (spec.argument && spec.path.length) lines.push(`complete -c jit ${when}${values(spec.argument)}`);
  }
  return `# fish completion for jit: \`jit completion fish > ~/.config/fish/completions/jit.fish\`.
# Generated from jit's command definitions. Role names and grant ids come from a cache file jit writes
# after each command: no broker, no network.

function __jit_cached
    set -l file "$__jit_state_dir/${CACHE_FILE}"
    test -r "$file"; or return 0
    string replace -rf "^$argv[1] " '' <$file
end

# fish has no \${VAR:-default}: the state dir is worked out once, as jit works it out.
if set -q JIT_STATE_DIR[1]; and test -n "$JIT_STATE_DIR"
    set -g __jit_state_dir $JIT_STATE_DIR
else if set -q XDG_STATE_HOME[1]; and test -n "$XDG_STATE_HOME"
    set -g __jit_state_dir $XDG_STATE_HOME/jit
else
    set -g __jit_state_dir $HOME/.local/state/jit
end

complete -c jit -f
${lines.join('\n')}
`;
}
