// `jit requests`, `jit approve`, `jit deny`: their flags and help. The work is in ../requests.ts,
// ../approve.ts and ../deny.ts, loaded only when they run.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineRequests(program: Command) {
  return program
    .command('requests')
    .description('requests that wait for approvals: those you may decide, and yours (with a team broker)')
    .option('--pending', 'only those that still wait (default: also those of the last day, however they ended)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit requests', 'jit requests --pending --json'));
}

export function defineApprove(program: Command) {
  return program
    .command('approve')
    .description("approve someone else's request (shows it and asks first on a terminal)")
    .argument('<request-id>', 'the request, from `jit requests`')
    .option('--reason <text>', 'why; recorded in the audit')
    .option('-y, --yes', 'do not ask before approving')
    .option('--no-input', 'never ask (the default off a terminal and under CI)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit approve r_0k3f…', 'jit approve r_0k3f… --reason "change CHG0012345 reviewed" --yes'));
}

export function defineDeny(program: Command) {
  return program
    .command('deny')
    .description("deny someone else's request, saying why")
    .argument('<request-id>', 'the request, from `jit requests`')
    .option('--reason <text>', 'why; shown to the requester and recorded (asked for on a terminal)')
    .option('--no-input', 'never ask: fail with exit 64 if --reason is missing (the default off a terminal and under CI)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit deny r_0k3f… --reason "not during the release freeze"'));
}

export type RequestsOptions = ReturnType<ReturnType<typeof defineRequests>['opts']>;
export type ApproveOptions = ReturnType<ReturnType<typeof defineApprove>['opts']>;
export type DenyOptions = ReturnType<ReturnType<typeof defineDeny>['opts']>;
