// `jit revoke`: its flags and help. The work is in ../revoke.ts, loaded only when it runs.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineRevoke(program: Command) {
  return program
    .command('revoke')
    .description('revoke a grant now (default: the current session)')
    .argument('[grant-id]', 'the grant to revoke')
    .option('--all', 'revoke all your live grants (asks first on a terminal)')
    .option('-y, --yes', 'do not ask before revoking --all')
    .option('--no-input', 'never ask (the default off a terminal and under CI)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit revoke', 'jit revoke g_0f3k…', 'jit revoke --all', 'jit revoke --all --yes --json'));
}

export type RevokeOptions = ReturnType<ReturnType<typeof defineRevoke>['opts']>;
