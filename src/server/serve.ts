// `jit serve`: the broker for a team. Opens the store and keys named by broker.yaml, serves the /v1 API,
// and runs the broker's own enforcement (TTLs, lost heartbeats, revocation retries) on a timer, so access
// ends on time whether or not any client ever calls again.
import { accessSync, closeSync, existsSync, fstatSync, openSync, readFileSync, constants } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { dirname, join } from 'node:path';
import { secretReferences } from '../broker/issuers/registry.js';
import { ticketSecretReferences, webhookSecretOf } from '../broker/tickets/registry.js';
import { readWebhookSecret } from '../broker/tickets/webhook-secret.js';
import { readPolicyFile } from '../broker/policy/load.js';
import { stateDirKeys, type KeyProvider } from '../broker/key-provider.js';
import { Broker } from '../broker/service.js';
import type { Grant } from '../backends/contract.js';
import { PostgresStore } from '../broker/store/postgres.js';
import { SqliteStore } from '../broker/store/sqlite.js';
import type { Store } from '../broker/store/store.js';
import { JitError } from '../core/errors.js';
import { ensurePrivateDir, lstatOrUndefined, ownershipProblem } from '../platform/paths.js';
import { buildBrokerApp } from './app.js';
import { BrokerMetrics } from './metrics.js';
import type { BrokerConfig } from './config.js';
import { Notifier } from './notifications/notifier.js';
import { readNotificationTargets } from './notifications/targets.js';
import { OperatorTokenVerifier } from './operator-token.js';
import { WorkloadTokenVerifier } from './workload-token.js';
import { callers } from './caller-verifier.js';

export const STORE_FILE = 'jit.db';

/** How often the broker looks for grants to end: the bound on how late a TTL or a lost heartbeat is acted on. */
const SWEEP_INTERVAL_MS = 500;
const MAX_PEM_BYTES = 64 * 1024;

export interface RunningBroker {
  /** The address served, with the port the system chose when the config said 0. */
  url: string;
  /**
   * Stops taking requests, lets those in flight and the revocations under way finish, then closes the
   * store; `complete` is false when the deadline cut that short.
   */
  close(): Promise<StopOutcome>;
}

export interface StopOutcome {
  complete: boolean;
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

/** That the broker can make or use its state dir, without making it (`--check` changes nothing). */
function checkStateDir(path: string): void {
  const stats = lstatOrUndefined(path);
  if (stats) {
    const problem = ownershipProblem(path, stats, 'directory');
    if (problem) throw problem;
    return;
  }
  let parent = dirname(path);
  while (!existsSync(parent)) parent = dirname(parent);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new JitError('os', `cannot create stateDir ${path}: ${parent} is not writable by this user`, {
      hint: `make it for the service user (install -d -o jit -m 0700 ${path}), or let systemd make it (StateDirectory=jit)`,
    });
  }
}

/** What the config names, read and validated: the policy, the TLS pair and the state dir (`jit serve --check` stops here). */
export async function prepareBroker(config: BrokerConfig) {
  const policy = await readPolicyFile(config.policy);
  if (!policy) throw new JitError('config', `there is no policy at ${config.policy}`, { hint: `write one (README.md, "Policy reference"), or fix policy in ${config.source}` });
  for (const role of policy.roles.values()) {
    const inKeychain = [...secretReferences(role.issuer), ...ticketSecretReferences(role.ticket)].find((reference) => reference.startsWith('keychain:'));
    if (inKeychain) {
      throw new JitError('config', `role ${role.name} reads ${inKeychain}: a team broker has no keychain to read it from`, { hint: `use file: (with the unit's LoadCredential=) or env: in ${config.policy}` });
    }
    // Read now too, so that a missing or weak webhook secret stops the start, not a delivery.
    const webhook = webhookSecretOf(role.ticket);
    if (webhook) {
      await readWebhookSecret(webhook, { env: process.env }).catch((error: unknown) => {
        throw new JitError('config', `role ${role.name}: ${(error as Error).message}`, { hint: (error as JitError).hint ?? `check ticket.webhookSecret in ${config.policy}` });
      });
    }
  }
  const tls = config.tls && { cert: readPem(config.tls.cert, 'cert'), key: readPem(config.tls.key, 'key') };
  if (tls) {
    try {
      // What the TLS server will do with them: a garbled file or a key of another certificate fails here, not at start.
      createSecureContext(tls);
    } catch (error) {
      throw new JitError('config', `tls.cert ${config.tls!.cert} and tls.key ${config.tls!.key} cannot serve TLS: ${(error as Error).message}`, {
        hint: 'give the PEM certificate and the private key that belongs to it',
        cause: error,
      });
    }
  }
  checkStateDir(config.stateDir);
  const notifications = await readNotificationTargets(config, process.env);
  // SECURITY: break-glass is loud or it is not offered: without anyone to tell, the broker does not start.
  const breakGlassRoles = [...policy.roles.values()].filter((role) => role.breakGlass.allowed).map((role) => role.name);
  if (breakGlassRoles.length > 0 && !notifications.webhook && !notifications.slack) {
    throw new JitError('config', `${breakGlassRoles.join(', ')} allow${breakGlassRoles.length === 1 ? 's' : ''} break-glass, and nobody would hear of its use`, {
      hint: `configure notifications (webhook or slack) in ${config.source}, or set breakGlass.allowed: false in ${config.policy}`,
    });
  }
  return { policy, tls, notifications };
}

export async function startBroker(config: BrokerConfig, options: ServeOptions): Promise<RunningBroker> {
  const { policy, tls, notifications } = await prepareBroker(config);
  const stateDir = ensurePrivateDir(config.stateDir);
  const keys = stateDirKeys(stateDir);
  // Made or read now, not at the first grant: replicas must share these keys, copied from the first
  // broker's state dir, and a key made later by one replica alone would sign what the others cannot vouch for.
  await keys.tokenKey();
  const metrics = new BrokerMetrics();
  const opened = await openStore(config, stateDir, keys);
  // Told of each commit once it is committed: what people hear of always follows the audit.
  const notifier = new Notifier(notifications, opened, { warn: (fields, message) => app.log.warn(fields, message) });
  const store = notifier.watch(metrics.timed(opened));
  // No host: a served broker judges every owner by its heartbeats, never by a process table.
  const broker = new Broker({ policy, store, keys, observer: metrics });
  const cooldown = options.keyRefetchCooldownMs === undefined ? {} : { keyRefetchCooldownMs: options.keyRefetchCooldownMs };
  const workloads = policy.workloads.size > 0 ? new WorkloadTokenVerifier(policy.workloads.values(), { leewaySeconds: config.oidc.leewaySeconds, ...cooldown }) : undefined;
  const verifier = callers(new OperatorTokenVerifier(config.oidc, cooldown), workloads);
  const login = config.cliClientId === undefined ? {} : { login: { issuer: config.oidc.issuer, audience: config.oidc.audience, clientId: config.cliClientId, scopes: config.cliScopes } };
  const app = buildBrokerApp({ broker, verifier, logger: { stream: options.log }, trustedProxies: config.trustedProxies, rateLimit: config.rateLimit, metrics, metricsFrom: config.metricsFrom, auditReaders: config.auditReaders, ...login, ...(tls ? { https: tls } : {}) });

  const sweeps = startSweeps(broker, {
    onError: (error) => app.log.error({ err: error }, 'sweep failed'),
    onEnded: (grant) => app.log.info({ grant: grant.id, state: grant.state, reason: grant.revokeReason }, 'grant ended by the broker'),
    onSettled: (grant) => app.log[grant.revocation === 'verified' ? 'info' : 'warn']({ grant: grant.id, revocation: grant.revocation }, 'revocation attempted'),
  });
  let url: string;
  try {
    // `localhost` is bound as the address it stands for here, never as whatever a resolver says.
    url = await app.listen({ host: config.listen.host === 'localhost' ? '127.0.0.1' : config.listen.host, port: config.listen.port });
  } catch (error) {
    await sweeps.stop();
    await notifier.close(0);
    await store.close();
    throw new JitError('unavailable', `cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`, { hint: 'choose another listen address in the broker config, or stop what holds this one', cause: error });
  }
  app.log.info({ url, policy: config.policy, store: config.store.type, issuer: config.oidc.issuer }, 'broker serving');

  let closing: Promise<StopOutcome> | undefined;
  const close = () =>
    (closing ??= (async () => {
      app.log.info('broker stopping: finishing requests in flight');
      // SECURITY: in-flight requests finish first (each commits its audit events), then the sweep and
      // the revocations it started, then the store.
      const orderly = (async () => {
        await app.close();
        await sweeps.stop();
        return { complete: true };
      })();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<StopOutcome>((resolveDeadline) => {
        timer = setTimeout(() => resolveDeadline({ complete: false }), config.stopTimeoutSeconds * 1000);
      });
      const outcome = await Promise.race([orderly, deadline]);
      clearTimeout(timer);
      if (!outcome.complete) {
        // What was cut short is not lost: a grant left issuing is ended by the next broker's sweep once its
        // owner's heartbeats and the issuer's window have passed, and a revocation left under way is
        // retried when its lease runs out.
        app.log.error({ revocations: sweeps.revocationsUnderWay() }, 'stop deadline reached; closing the requests and revocations still in flight');
        app.server.closeAllConnections();
      }
      await notifier.close();
      await store.close();
      app.log.info('broker stopped');
      return outcome;
    })());
  return { url, close };
}

interface SweepHandlers {
  onError(error: unknown): void;
  /** A grant the sweep ended (its TTL, or its owner gone). */
  onEnded(grant: Grant): void;
  /** What a revocation the sweep started came to. */
  onSettled(grant: Grant): void;
}

/**
 * Runs the broker's sweep every interval: each pass ends what is due and starts the revocations that
 * are due without waiting for them, so that a slow target never delays the next pass. `stop` waits for
 * the pass under way and the revocations it started.
 */
function startSweeps(broker: Broker, handlers: SweepHandlers) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const revocations = new Set<Promise<void>>();
  const tick = () => {
    const startedAt = Date.now();
    running = broker
      .enforce()
      .then(({ ended, settled }) => {
        ended.forEach(handlers.onEnded);
        const revocation = settled.then((grants) => grants.forEach(handlers.onSettled), handlers.onError).finally(() => revocations.delete(revocation));
        revocations.add(revocation);
      }, handlers.onError)
      .finally(() => {
        // Every interval from the start of the last pass, not after it: a long pass does not stretch the next wait.
        if (!stopped) timer = setTimeout(tick, Math.max(0, startedAt + SWEEP_INTERVAL_MS - Date.now()));
      });
  };
  timer = setTimeout(tick, 0);
  return {
    revocationsUnderWay: () => revocations.size,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await Promise.all(revocations);
    },
  };
}
