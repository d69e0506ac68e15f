// `jit status`: its flags and help. The work is in ../status.ts, loaded only when it runs.
import { Option, type Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineStatus(program: Command) {
  return program
    .command('status')
    .description('show the current session and your live grants')
    .addOption(new Option('--json', 'machine-readable output').conflicts('prompt'))
    .option('--prompt', 'print only "ROLE TIME-LEFT" for a shell prompt (no broker, no network)')
    .addHelpText('after', examples('jit status', 'jit status --json', "PS1='$(jit status --prompt) \\$ '"));
}

export type StatusOptions = ReturnType<ReturnType<typeof defineStatus>['opts']>;
