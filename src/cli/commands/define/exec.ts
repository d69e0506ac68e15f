// `jit exec`: its flags and help. The work is in ../exec.ts, loaded only when it runs.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';
import { withRequestFlags } from './request-flags.js';

export function defineExec(program: Command) {
  return withRequestFlags(program.command('exec').description('run one command with a short-lived credential; revoked when it exits'))
    .option('--wait <duration>', 'for a role with approvals: how long to wait for them before exiting 75 (default: until the request expires)')
    .argument('[command...]', 'the command and its arguments, after --')
    .addHelpText('after', examples('jit exec --ticket OPS-123 --role demo -- ./deploy.sh --prod', 'jit exec -t OPS-123 -r demo --ttl 5m -- sh -c \'curl -H "Authorization: Bearer $JIT_TOKEN" …\'', 'JIT_IDENTITY=github-actions jit exec -t OPS-123 -r deploy -- ./deploy.sh   # in CI, with a team broker'));
}

export type ExecOptions = ReturnType<ReturnType<typeof defineExec>['opts']>;
