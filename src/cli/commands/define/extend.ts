// `jit extend`: its flags and help. The work is in ../extend.ts, loaded only when it runs.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineExtend(program: Command) {
  return program
    .command('extend')
    .description("make a live grant end later: a fresh decision (policy, ticket, approvals), never past the role's maximum (default: the current session)")
    .argument('[grant-id]', 'the grant to extend')
    .option('--by <duration>', 'how much longer, e.g. 15m or 1h')
    .option('--reason <text>', 'why; recorded, and shown to approvers')
    .option('--wait <duration>', 'for a role that needs approvals: wait at most this long (default: until the renewal expires)')
    .option('--no-wait', 'for a role that needs approvals: exit 75 at once, printing the renewal id')
    .option('--request <request-id>', 'apply a renewal its approvers approved after you stopped waiting')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      examples('jit extend --by 15m', 'jit extend g_0f3k… --by 30m --reason "migration still running"', 'jit extend --by 1h --no-wait', 'jit extend --request r_0k3f…'),
    );
}

export type ExtendOptions = ReturnType<ReturnType<typeof defineExtend>['opts']>;
