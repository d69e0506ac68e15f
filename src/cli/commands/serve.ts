// `jit serve`: runs the team broker until SIGTERM or SIGINT, then stops without losing a request in flight.
import { isAbsolute, join, resolve } from 'node:path';
import { JitError, displayValue } from '../../core/errors.js';
import { BROKER_CONFIG_FILE, loadBrokerConfig, parseListen, plainHttpProblem, type BrokerConfig } from '../../server/config.js';
import type { Context } from '../context.js';
import type { ServeOptions } from './define/serve.js';

/** The config with the command line's overrides, checked again as a whole. */
function withOverrides(config: BrokerConfig, options: ServeOptions): BrokerConfig {
  const listen = options.listen === undefined ? config.listen : parseListen(options.listen);
  if (!listen) throw new JitError('usage', `--listen ${displayValue(options.listen ?? '')} is not host:port`, { hint: 'write it like 127.0.0.1:8443 or [::1]:8443 (port 0: a free one)' });
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new JitError('usage', '--tls-cert and --tls-key go together', { hint: 'give both, or neither to use the config\'s tls' });
  }
  const tls = options.tlsCert !== undefined && options.tlsKey !== undefined ? { cert: resolve(options.tlsCert), key: resolve(options.tlsKey) } : config.tls;
  const result = { ...config, listen, tls };
  const problem = plainHttpProblem(result);
  if (problem) throw new JitError('usage', `jit serve will not serve plain HTTP there: ${problem}`, { hint: 'pass --tls-cert and --tls-key, or listen on 127.0.0.1' });
  return result;
}

export default async function serve(options: ServeOptions, context: Context): Promise<number> {
  const path = options.config === undefined ? join(context.paths.configDir, BROKER_CONFIG_FILE) : isAbsolute(options.config) ? options.config : resolve(options.config);
  const config = withOverrides(loadBrokerConfig(path), options);
  if (options.check) {
    const { prepareBroker } = await import('../../server/serve.js');
    await prepareBroker(config);
    context.stdout.write(`${path}: valid (policy ${config.policy}, store ${config.store.type}, issuer ${config.oidc.issuer})\n`);
    return 0;
  }
  const { startBroker } = await import('../../server/serve.js');
  const broker = await startBroker(config, { log: process.stdout });
  // The broker runs until told to stop; a second signal while stopping does not cut the stop short.
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    // HUP too: an operator who sends it expecting a reload gets a clean stop, never a lost request.
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, stop);
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
  const { complete } = await broker.close();
  if (!complete) {
    throw new JitError('unavailable', 'the broker stopped before everything in flight had finished (an issuer or a target did not answer in time)', {
      hint: 'the next `jit serve` ends grants left issuing and retries revocations left unfinished; its log names them',
    });
  }
  return 0;
}
