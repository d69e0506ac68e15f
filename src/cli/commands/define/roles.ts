// `jit roles`: its flags and help. The work is in ../roles.ts, loaded only when it runs.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineRoles(program: Command) {
  return program
    .command('roles')
    .description('list the roles you may request, with their TTLs and ticket checks')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit roles', 'jit roles --json'));
}

export type RolesOptions = ReturnType<ReturnType<typeof defineRoles>['opts']>;
