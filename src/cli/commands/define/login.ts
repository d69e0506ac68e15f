// `jit login`, `jit whoami`, `jit logout`: the operator's identity at a team broker. The work is in
// ../login.ts, ../whoami.ts and ../logout.ts, loaded only when they run.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineLogin(program: Command) {
  return program
    .command('login')
    .description('log in to the team broker in config.yaml with its OpenID provider (device flow: confirm a code in any browser)')
    .addHelpText('after', examples('jit login', 'jit whoami'));
}

export function defineWhoami(program: Command) {
  return program
    .command('whoami')
    .description('who the team broker takes you for: your name and groups as your login proves them')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit whoami', 'jit whoami --json'));
}

export function defineLogout(program: Command) {
  return program
    .command('logout')
    .description('forget your login: removes its tokens from the keychain and revokes the refresh token at the provider')
    .addHelpText('after', examples('jit logout'));
}

export type LoginOptions = ReturnType<ReturnType<typeof defineLogin>['opts']>;
export type WhoamiOptions = ReturnType<ReturnType<typeof defineWhoami>['opts']>;
export type LogoutOptions = ReturnType<ReturnType<typeof defineLogout>['opts']>;
