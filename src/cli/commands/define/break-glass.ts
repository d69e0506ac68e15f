// `jit break-glass` and `jit review`: their flags and help. The work is in ../break-glass.ts and
// ../review.ts, loaded only when they run.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineBreakGlass(program: Command) {
  return program
    .command('break-glass')
    .description('emergency access without an approver or a ticket, for roles that allow it: short, announced to others, and reviewed after (team broker)')
    .requiredOption('-r, --role <role>', 'the role to take')
    .requiredOption('--reason <text>', 'what is on fire: your reviewers read it')
    .option('--incident <id>', 'the incident it is for, as your incident tool names it (recorded as the ticket)')
    .option('--shell <path>', 'the shell to start (default: $SHELL, else /bin/sh)')
    .option('--no-prompt', "do not add the role and time left to the subshell's prompt")
    .addHelpText('after', examples('jit break-glass --role prod-db --reason "orders DB refusing writes" --incident INC-4711', 'jit audit --break-glass          # the uses and their reviews', 'jit review g_0f3k… --note "needed; fixed in CHG-12"'));
}

export function defineReview(program: Command) {
  return program
    .command('review')
    .description('close the review of a break-glass use that has ended (its role\'s reviewers; never the one who used it)')
    .argument('<grant-id>', 'the break-glass grant, from `jit audit --break-glass`')
    .option('--note <text>', 'what the review found; recorded in the audit')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit review g_0f3k…', 'jit review g_0f3k… --note "needed; root cause in CHG-12"'));
}

export type BreakGlassOptions = ReturnType<ReturnType<typeof defineBreakGlass>['opts']>;
export type ReviewOptions = ReturnType<ReturnType<typeof defineReview>['opts']>;
