// `jit elevate`: its flags and help. The work is in ../elevate.ts, loaded only when it runs.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';
import { withRequestFlags } from './request-flags.js';

export function defineElevate(program: Command) {
  return withRequestFlags(program.command('elevate').description('open a subshell with a short-lived credential; revoked when the shell exits'))
    .option('--shell <path>', 'the shell to start (default: $SHELL, else /bin/sh)')
    .option('--no-wait', 'return at once (exit 75) if the request needs an approval that is still pending')
    .option('--no-prompt', "do not add the role and time left to the subshell's prompt (config: prompt: false)")
    .addHelpText('after', examples('jit elevate --ticket OPS-123 --role demo', 'jit elevate                       # on a terminal: choose the role, type the ticket', 'jit elevate -t OPS-123 -r demo --ttl 30m --reason "rotate keys"', 'jit elevate -t OPS-123 -r demo --shell /bin/zsh --no-prompt'));
}

export type ElevateOptions = ReturnType<ReturnType<typeof defineElevate>['opts']>;
