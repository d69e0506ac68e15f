// `jit login`, `jit whoami`, `jit logout`: the operator's identity at a team broker. The work is in
// ../login.ts, ../whoami.ts and ../logout.ts, loaded only when they run.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineLogin(program: Command) {
  return program
    .command('login')
    .description('log in to the team broker in config.yaml with its OpenID provider: in a browser on this machine at a desktop, else with a code to confirm in any browser (--device)')
    .option('--browser', 'a browser on this machine: authorization code + PKCE, back to jit on 127.0.0.1')
    .option('--device', 'a code to confirm in a browser on any device (the device flow): over SSH, on a server')
    .addHelpText('after', examples('jit login             # the browser here at a desktop; the device flow over SSH or without a display', 'jit login --device    # a code to confirm in any browser, on any device', 'jit login --browser   # opens the provider here (or prints where); it returns to jit', 'jit whoami'));
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
