// `jit serve`: its flags and help. The work is in ../serve.ts, loaded only when it runs.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineServe(program: Command) {
  return program
    .command('serve')
    .description('run the team broker: the /v1 API for operators who log in with OIDC (see README, "Running a team broker")')
    .option('--config <file>', 'the broker config (default: broker.yaml in the config dir)')
    .option('--listen <addr>', 'host:port to serve on, instead of the config\'s listen')
    .option('--tls-cert <file>', 'PEM certificate, instead of the config\'s tls.cert (give --tls-key too)')
    .option('--tls-key <file>', 'PEM private key, instead of the config\'s tls.key')
    .option('--check', 'validate the config, policy, TLS files and store, then exit without serving')
    .addHelpText('after', examples('jit serve --config /etc/jit/broker.yaml', 'jit serve --config /etc/jit/broker.yaml --check', 'jit serve --listen 127.0.0.1:0   # a free port, logged when serving'));
}

export type ServeOptions = ReturnType<ReturnType<typeof defineServe>['opts']>;
