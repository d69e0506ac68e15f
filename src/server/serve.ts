// `jit serve`: the broker for a team. Opens the store and keys named by broker.yaml, serves the /v1 API,
// and runs the broker's own enforcement (TTLs, lost heartbeats, revocation retries) on a timer, so access
// ends on time whether or not any client ever calls again.
import { closeSync, fstatSync, openSync, readFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import { readPolicyFile } from '../broker/policy/load.js';
import { stateDirKeys, type KeyProvider } from '../broker/key-provider.js';
import { Broker } from '../broker/service.js';
import { PostgresStore } from '../broker/store/postgres.js';
import { SqliteStore } from '../broker/store/sqlite.js';
import type { Store } from '../broker/store/store.js';
import { JitError } from '../core/errors.js';
import { ensurePrivateDir } from '../platform/paths.js';
import { buildBrokerApp } from './app.js';
import type { BrokerConfig } from './config.js';
import { OperatorTokenVerifier } from './operator-token.js';

export const STORE_FILE = 'jit.db';

/** How often the broker looks for grants to end: the bound on how late a TTL or a lost heartbeat is acted on. */
const SWEEP_INTERVAL_MS = 500;
/** A shutdown that takes longer than this (a request stuck on an issuer) is cut short. */
const SHUTDOWN_DEADLINE_MS = 15_000;
const MAX_PEM_BYTES = 64 * 1024;

export interface RunningBroker {
  /** The address served, with the port the system chose when the config said 0. */
  url: string;
  /** Stops taking requests, lets those in flight and the current sweep finish, then closes the store. */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Structured logs (JSON lines, one request id per request) go here. */
  log: NodeJS.WritableStream;
  /** Shorter only in tests that wait for key rotation. */
  keyRefetchCooldownMs?: number;
}

/** A PEM file from the config; the private key must not be readable by other users. */
function readPem(path: string, what: 'cert' | 'key'): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (error) {
    throw new JitError('config', `cannot read tls.${what} ${path}: ${(error as Error).message}`, { hint: 'check the path in the broker config and that the service user can read it', cause: error });
  }
  try {
    const stats = fstatSync(fd);
    // SECURITY: a TLS key others can read lets them impersonate the broker to every operator.
    if (what === 'key' && (stats.mode & 0o004) !== 0) {
      throw new JitError('config', `tls.key ${path} is readable by every user (mode ${(stats.mode & 0o777).toString(8)})`, { hint: `chmod 600 ${path} (or 640 with the service's group)` });
    }
    if (!stats.isFile() || stats.size > MAX_PEM_BYTES) throw new JitError('config', `tls.${what} ${path} is not a PEM file`, { hint: 'point it at the PEM file itself' });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

async function openStore(config: BrokerConfig, stateDir: string, keys: KeyProvider): Promise<Store> {
  if (config.store.type === 'postgres') return PostgresStore.open({ url: config.store.url, keys, anchorDir: stateDir });
  return SqliteStore.open(join(stateDir, STORE_FILE), { stateDir, keys });
}

/** What the config names, read and validated: the policy and the TLS files (`jit serve --check` stops here). */
export async function prepareBroker(config: BrokerConfig) {
  const policy = await readPolicyFile(config.policy);
  if (!policy) throw new JitError('config', `there is no policy at ${config.policy}`, { hint: `write one (README.md, "Policy reference"), or fix policy in ${config.source}` });
  const tls = config.tls && { cert: readPem(config.tls.cert, 'cert'), key: readPem(config.tls.key, 'key') };
  return { policy, tls };
}

export async function startBroker(config: BrokerConfig, options: ServeOptions): Promise<RunningBroker> {
  const { policy, tls } = await prepareBroker(config);
  const stateDir = ensurePrivateDir(config.stateDir);
  const keys = stateDirKeys(stateDir);
  const store = await openStore(config, stateDir, keys);
  // No host: a served broker judges every owner by its heartbeats, never by a process table.
  const broker = new Broker({ policy, store, keys });
  const verifier = new OperatorTokenVerifier(config.oidc, options.keyRefetchCooldownMs === undefined ? {} : { keyRefetchCooldownMs: options.keyRefetchCooldownMs });
  const login = config.cliClientId === undefined ? {} : { login: { issuer: config.oidc.issuer, audience: config.oidc.audience, clientId: config.cliClientId, scopes: config.cliScopes } };
  const app = buildBrokerApp({ broker, verifier, logger: { stream: options.log }, ...login, ...(tls ? { https: tls } : {}) });

  const sweeps = startSweeps(broker, (error) => app.log.error({ err: error }, 'sweep failed'), (ended) => {
    for (const grant of ended) app.log.info({ grant: grant.id, state: grant.state, reason: grant.revokeReason, revocation: grant.revocation }, 'grant ended by the broker');
  });
  let url: string;
  try {
    // `localhost` is bound as the address it stands for here, never as whatever a resolver says.
    url = await app.listen({ host: config.listen.host === 'localhost' ? '127.0.0.1' : config.listen.host, port: config.listen.port });
  } catch (error) {
    await sweeps.stop();
    await store.close();
    throw new JitError('unavailable', `cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`, { hint: 'choose another listen address in the broker config, or stop what holds this one', cause: error });
  }
  app.log.info({ url, policy: config.policy, store: config.store.type, issuer: config.oidc.issuer }, 'broker serving');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      app.log.info('broker stopping: finishing requests in flight');
      const deadline = setTimeout(() => {
        app.log.error(`requests still in flight after ${SHUTDOWN_DEADLINE_MS / 1000}s; closing their connections`);
        app.server.closeAllConnections();
      }, SHUTDOWN_DEADLINE_MS);
      try {
        // SECURITY: in-flight requests finish first (each commits its audit events), then the sweep, then the store.
        await app.close();
        await sweeps.stop();
        await store.close();
      } finally {
        clearTimeout(deadline);
      }
      app.log.info('broker stopped');
    })());
  return { url, close };
}

/** Runs the broker's sweep every interval, one at a time; `stop` waits for the one under way. */
function startSweeps(broker: Broker, onError: (error: unknown) => void, onEnded: (ended: Awaited<ReturnType<Broker['sweep']>>) => void): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = broker
      .sweep()
      .then(onEnded, onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, SWEEP_INTERVAL_MS);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
