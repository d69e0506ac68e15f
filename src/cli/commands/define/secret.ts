// `jit secret set|remove NAME`: issuer secrets (an admin connection, a CA key) kept in the OS keychain
// for the embedded broker, named in the policy as keychain:NAME. The work is in ../secret-set.ts and
// ../secret-remove.ts.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineSecret(program: Command) {
  return program
    .command('secret')
    .description('keep an issuer’s secret (a database admin connection, an SSH CA key) in the OS keychain, for the policy to name as keychain:NAME')
    .addHelpText('after', examples('jit secret set orders-admin', 'jit secret remove orders-admin'));
}

export function defineSecretSet(secret: Command) {
  return secret
    .command('set')
    .description('store a secret: the value from stdin, or asked for without echo on a terminal (never an argument)')
    .argument('<name>', 'letters, digits, ., _ and -')
    .addHelpText(
      'after',
      examples('jit secret set orders-admin                     # asks for the value, without echo', 'printf %s "$DSN" | jit secret set orders-admin', 'jit secret set ssh-ca < /etc/jit/ssh_user_ca'),
    );
}

export function defineSecretRemove(secret: Command) {
  return secret
    .command('remove')
    .description('remove a secret from the keychain')
    .argument('<name>', 'the name it was stored under')
    .addHelpText('after', examples('jit secret remove orders-admin'));
}

export type SecretSetOptions = ReturnType<ReturnType<typeof defineSecretSet>['opts']>;
export type SecretRemoveOptions = ReturnType<ReturnType<typeof defineSecretRemove>['opts']>;
