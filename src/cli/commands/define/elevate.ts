// `jit elevate`: its flags and help. The work is in ../elevate.ts, loaded only when it runs.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';
import { withRequestFlags } from './request-flags.js';

export function defineElevate(program: Command) {
  return withRequestFlags(program.command('elevate').description('open a subshell with a short-lived credential; revoked when the shell exits'))
    .option('--shell <path>', 'the shell to start (default: $SHELL, else /bin/sh)')
    .option('--no-wait', 'leave at once if the role needs approvals: exit 75, the request id on stdout')
    .option('--request <id>', 'pick up the grant of a request made earlier, once approved (alone: no --ticket or --role)')
    .option('--no-prompt', "do not add the role and time left to the subshell's prompt (config: prompt: false)")
    .addHelpText('after', examples('jit elevate --ticket OPS-123 --role demo', 'jit elevate                       # on a terminal: choose the role, type the ticket', 'jit elevate -t OPS-123 -r demo --ttl 30m --reason "rotate keys"', 'jit elevate -t OPS-123 -r demo --shell /bin/zsh --no-prompt', 'jit elevate -t OPS-123 -r prod-db --no-wait  # a role with approvals: prints the request id', 'jit elevate --request r_…                # once approved'));
}

export type ElevateOptions = ReturnType<ReturnType<typeof defineElevate>['opts']>;
