// broker.yaml: how `jit serve` runs (listen address, TLS, store, OpenID provider, policy). Validated like
// the policy: every error names the file, line and column, and an unknown key is refused.
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { JitError, displayValue } from '../core/errors.js';
import { duration } from '../broker/policy/duration-schema.js';
import { person } from '../broker/policy/schema.js';
import { readTrustedFile } from '../platform/paths.js';
import { readYamlSettings } from '../platform/yaml-settings.js';
import { isLoopbackHost } from '../core/loopback.js';
import type { OidcSettings } from './operator-token.js';
import { DEFAULT_METRICS_FROM } from './metrics.js';
import { DEFAULT_RATE_LIMIT, type RateLimitSettings } from './rate-limit.js';

export const BROKER_CONFIG_FILE = 'broker.yaml';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface BrokerConfig {
  source: string;
  listen: ListenAddress;
  /** PEM files; absent only on loopback, or where `allowPlainHttp` says a proxy in front terminates TLS. */
  tls: { cert: string; key: string } | undefined;
  allowPlainHttp: boolean;
  /** Proxies whose X-Forwarded-For names the client (the address the audit records); none by default. */
  trustedProxies: string[];
  /** Addresses that may read /metrics; loopback by default. */
  metricsFrom: string[];
  /** Who may read the whole audit through the API (`*`, `user:NAME`, `group:NAME`). */
  auditReaders: string[];
  policy: string;
  /** Private to the broker: the signing keys, the audit anchor and, with `store: sqlite`, the database. */
  stateDir: string;
  store: { type: 'sqlite' } | { type: 'postgres'; url: string };
  oidc: OidcSettings;
  /** The public client `jit login` uses, published at /v1/login; absent, each CLI config names its own. */
  cliClientId: string | undefined;
  /** The scopes `jit login` asks for (RFC 6749 §3.3). */
  cliScopes: string;
  /** How long a stop waits for requests and revocations in flight before it closes them. */
  stopTimeoutSeconds: number;
  /** Requests per second each operator may make: sustained, and in a burst. */
  rateLimit: RateLimitSettings;
  /** Where people are told of requests, decisions and failed revocations; the secrets as references (env:, file:), read at start. */
  notifications: { webhook?: { url: string; secret: string } | undefined; slack?: { url: string } | undefined };
}

const MAX_CONFIG_BYTES = 64 * 1024;

/** Asymmetric JWS algorithms; HS* would let whoever verifies tokens mint them, and `none` proves nothing. */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/** `host:port` or `[v6]:port`; port 0 picks a free one (the address served is logged). */
export function parseListen(text: string): ListenAddress | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

const absolutePath = z.string({ error: 'must be an absolute path' }).refine(isAbsolute, { error: 'must be an absolute path' });

const httpsUrl = z.string({ error: 'must be a URL' }).superRefine((text, context) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    context.addIssue({ code: 'custom', message: `${displayValue(text)} is not a URL` });
    return;
  }
  // SECURITY: the provider's keys decide who is who; fetched over plain HTTP, anyone on the path could replace them.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    context.addIssue({ code: 'custom', message: 'must be an https:// URL (http:// only on loopback)' });
  }
});

/** A secret the broker reads at start: named here, never written here. */
const secretReference = z.string({ error: 'must be env:NAME or file:/PATH' }).regex(/^(env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:\/[^\0]{1,4095})$/, { error: 'must be env:NAME or file:/PATH: the secret itself stays out of this file' });

const notifications = z
  .strictObject({
    webhook: z.strictObject({ url: httpsUrl, secret: secretReference }).optional(),
    // The incoming webhook's address is all it takes to post to the channel: a secret too.
    slack: z.strictObject({ url: secretReference }).optional(),
  })
  .default({});

const storeUrl = z.string({ error: 'must be sqlite or a postgres:// URL' }).superRefine((text, context) => {
  if (text === 'sqlite') return;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    context.addIssue({ code: 'custom', message: 'must be sqlite or a postgres:// URL' });
    return;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') context.addIssue({ code: 'custom', message: 'must be sqlite or a postgres:// URL' });
  // SECURITY: a password in a config file is read by whoever reads the file, and lands in backups and tickets.
  else if (url.password !== '') context.addIssue({ code: 'custom', message: 'must not hold a password: give it in PGPASSWORD or a ~/.pgpass file of the service user' });
});

const clientIdSetting = z.string({ error: 'must be a client id registered at the provider' }).regex(/^[\x21-\x7e]{1,256}$/, { error: 'must be a client id registered at the provider' });

/** An IP address or a CIDR block, never a name: trust must not follow what a resolver says. */
const addressOrBlock = z.string({ error: 'must be an IP address or CIDR block' }).refine(
  (text) => {
    const [address, bits, ...rest] = text.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  },
  { error: 'must be an IP address or CIDR block, like 127.0.0.1 or 10.0.0.0/8' },
);

const schema = z
  .strictObject({
    listen: z.string({ error: 'must be host:port' }).refine((text) => parseListen(text) !== undefined, { error: 'must be host:port, like 127.0.0.1:8443 or [::1]:8443' }),
    tls: z.strictObject({ cert: absolutePath, key: absolutePath }).optional(),
    allowPlainHttp: z.boolean({ error: 'must be true or false' }).default(false),
    trustedProxies: z.array(addressOrBlock).max(16).default([]),
    metricsFrom: z.array(addressOrBlock).max(64).default(DEFAULT_METRICS_FROM),
    auditReaders: z.array(person).min(1).max(64).default(['*']),
    policy: absolutePath,
    stateDir: absolutePath,
    store: storeUrl.default('sqlite'),
    // Below the service manager's own stop timeout (TimeoutStopSec=30 in the shipped unit), which would SIGKILL.
    stopTimeout: duration.refine((seconds) => seconds >= 1 && seconds <= 600, { error: 'must be between 1s and 10m' }).default(15),
    notifications,
    rateLimit: z
      .strictObject({
        perSecond: z.number({ error: 'must be a number of requests' }).positive({ error: 'must be above 0' }).max(100_000),
        burst: z.number({ error: 'must be a number of requests' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(1_000_000),
      })
      .default(DEFAULT_RATE_LIMIT),
    oidc: z.strictObject({
      issuer: httpsUrl,
      audience: z.string({ error: 'must be the broker\'s identifier at the provider' }).min(1).max(256),
      algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS, { error: `must be asymmetric algorithms: ${ASYMMETRIC_ALGORITHMS.join(', ')}` })).min(1).default(['RS256', 'ES256']),
      usernameClaim: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { error: 'must be a claim name' }).default('sub'),
      groupsClaim: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { error: 'must be a claim name' }).default('groups'),
      leeway: duration.refine((seconds) => seconds <= 300, { error: 'must be at most 5m' }).default(30),
      scopes: z.string({ error: 'must be scope names separated by spaces' }).regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}( [\x21\x23-\x5b\x5d-\x7e]{1,128}){0,15}$/, { error: 'must be scope names separated by spaces' }).default('openid offline_access'),
      clientId: clientIdSetting.optional(),
      clients: z.array(clientIdSetting).min(1).max(32).optional(),
    }),
  })
  .superRefine((config, context) => {
    const listen = parseListen(config.listen);
    const problem = listen && plainHttpProblem({ listen, tls: config.tls, allowPlainHttp: config.allowPlainHttp });
    if (problem) context.addIssue({ code: 'custom', path: ['listen'], message: problem });
    // SECURITY: fail closed: the broker names the clients it takes operators from, or every client of the provider would do.
    if (!config.oidc.clientId && !config.oidc.clients) {
      context.addIssue({ code: 'custom', path: ['oidc'], message: 'name the clients whose tokens the broker accepts: clientId (the one `jit login` uses) and/or clients' });
    }
  });

/** Why this broker must not serve as configured: plain HTTP off loopback, unless a proxy is said to terminate TLS. */
export function plainHttpProblem(config: Pick<BrokerConfig, 'listen' | 'tls' | 'allowPlainHttp'>): string | undefined {
  // SECURITY: bearer tokens and credentials cross this connection.
  if (config.tls || config.allowPlainHttp || isLoopbackHost(config.listen.host)) return undefined;
  return `${config.listen.host} is not loopback: give tls.cert and tls.key, or allowPlainHttp: true if a proxy on this host terminates TLS`;
}

function invalid(path: string, position: { line: number; col: number } | undefined, message: string): JitError {
  return new JitError('config', `invalid broker config: ${path}${position ? `:${position.line}:${position.col}` : ''}: ${message}`, {
    hint: `fix ${path}; README.md, "Running a team broker", shows every setting`,
  });
}

export function loadBrokerConfig(path: string): BrokerConfig {
  const text = readTrustedFile(path, MAX_CONFIG_BYTES);
  if (text === undefined) {
    throw new JitError('config', `there is no broker config at ${path}`, { hint: 'write one (README.md, "Running a team broker"), or pass --config FILE' });
  }
  const read = readYamlSettings(text, schema, { maxAliasCount: 10 });
  if (!read.ok) {
    const where = read.keys.join('.');
    throw invalid(path, read.position, read.issue?.code === 'unrecognized_keys' ? `unknown setting ${displayValue(where)}` : where ? `${where}: ${read.message}` : read.message);
  }
  const config = read.value;
  return {
    source: path,
    listen: parseListen(config.listen)!,
    tls: config.tls,
    allowPlainHttp: config.allowPlainHttp,
    trustedProxies: config.trustedProxies,
    metricsFrom: config.metricsFrom,
    auditReaders: config.auditReaders,
    policy: config.policy,
    stateDir: config.stateDir,
    store: config.store === 'sqlite' ? { type: 'sqlite' } : { type: 'postgres', url: config.store },
    oidc: {
      issuer: config.oidc.issuer,
      audience: config.oidc.audience,
      algorithms: config.oidc.algorithms,
      usernameClaim: config.oidc.usernameClaim,
      groupsClaim: config.oidc.groupsClaim,
      leewaySeconds: config.oidc.leeway,
      clients: [...new Set([...(config.oidc.clientId ? [config.oidc.clientId] : []), ...(config.oidc.clients ?? [])])],
    },
    cliClientId: config.oidc.clientId,
    cliScopes: config.oidc.scopes,
    stopTimeoutSeconds: config.stopTimeout,
    rateLimit: config.rateLimit,
    notifications: config.notifications,
  };
}
