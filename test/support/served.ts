// `jit serve` as a team runs it: the built binary with a broker.yaml in a private directory, on a
// loopback port chosen at run time (read back from its JSON log line "broker serving").
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { collect, sandbox, type RunResult, type Sandbox } from './jit.js';
import { CLI_CLIENT_ID, CLI_SCOPES, startOidcProvider, type OidcProvider } from './oidc.js';
import { until } from './waits.js';

export interface ServedBroker {
  url: string;
  child: ChildProcess;
  /** Everything it logged so far (JSON lines). */
  log(): string;
  /** Resolves when the process has exited, with what it printed. */
  exited: Promise<RunResult>;
}

export interface BrokerFiles {
  box: Sandbox;
  dir: string;
  configPath: string;
  stateDir: string;
  /** Opens the broker's SQLite store read-only, as an auditor would. */
  db(): DatabaseSync;
}

/**
 * A sandbox holding broker.yaml and policy.yaml; `config` is the broker.yaml text after the policy and
 * stateDir lines; `env`, what the broker's environment has besides (its issuers' secrets).
 */
export function brokerFiles(policy: string, config: string, env: Record<string, string> = {}): BrokerFiles {
  const box = sandbox(env);
  const dir = join(box.home, 'broker');
  mkdirSync(dir, { mode: 0o700 });
  const stateDir = join(dir, 'state');
  writeFileSync(join(dir, 'policy.yaml'), policy, { mode: 0o600 });
  const configPath = join(dir, 'broker.yaml');
  writeFileSync(configPath, `policy: ${join(dir, 'policy.yaml')}\nstateDir: ${stateDir}\n${config}`, { mode: 0o600 });
  return { box, dir, configPath, stateDir, db: () => new DatabaseSync(join(stateDir, 'jit.db'), { readOnly: true, timeout: 5000 }) };
}

export async function serve(files: BrokerFiles, extraArgs: string[] = []): Promise<ServedBroker> {
  const child = files.box.spawn(['serve', '--config', files.configPath, ...extraArgs]);
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = collect(child, 120_000);
  const url = await until(
    'jit serve to log "broker serving"',
    () => {
      if (child.exitCode !== null) throw new Error(`jit serve exited with ${child.exitCode}: ${log}`);
      const line = log.split('\n').find((text) => text.includes('"broker serving"'));
      return line && (JSON.parse(line) as { url: string }).url;
    },
    15_000,
  );
  return { url, child, log: () => log, exited };
}

/** One API call as an operator holding `token`; the answer's status and JSON body. */
export async function callBroker(base: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

export interface TeamBroker {
  provider: OidcProvider;
  files: BrokerFiles;
  broker: ServedBroker;
  stop(): Promise<void>;
}

/**
 * A real OpenID provider and `jit serve` using it, as a team runs them, with the CLI's client published
 * at /v1/login. Access tokens live 30 s, shorter than jit's refresh margin: every call after a login
 * refreshes first, so a working call proves the login brought a refresh token too.
 */
export const TEAM_AUDIENCE = 'https://jit.test/broker';

/** `extraConfig`: more broker.yaml settings (top-level YAML lines). */
export async function startTeamBroker(policy: string, users: Record<string, string[]>, brokerEnv: Record<string, string> = {}, extraConfig = ''): Promise<TeamBroker> {
  const audience = TEAM_AUDIENCE;
  const provider = await startOidcProvider({ audience, users, accessTokenTtl: 30 });
  const files = brokerFiles(policy, `listen: 127.0.0.1:0\noidc:\n  issuer: ${provider.issuer}\n  audience: ${audience}\n  algorithms: [ES256]\n  clientId: ${CLI_CLIENT_ID}\n  scopes: ${CLI_SCOPES}\n${extraConfig}`, brokerEnv);
  const broker = await serve(files);
  return {
    provider,
    files,
    broker,
    async stop() {
      broker.child.kill('SIGKILL');
      files.box.remove();
      await provider.close();
    },
  };
}

/** `jit login` with the device flow, the test playing the person at the browser; what jit printed and its exit. */
export async function deviceLogin(box: Sandbox, provider: OidcProvider, user: string, browsing: { refuse?: boolean } = {}): Promise<RunResult> {
  const child = box.spawn(['login']);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = collect(child, 30_000);
  const url = await until('jit login to show where to confirm the code', () => /\(or open (\S+)\)/.exec(stderr)?.[1], 10_000);
  await provider.browse(url, user, browsing);
  return done;
}

/** A workstation sandbox whose jit talks to the served broker at `url`. */
export function teamWorkstation(box: Sandbox, url: string): Sandbox {
  mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(box.configDir, 'config.yaml'), `backend: http\nbroker: ${url}\n`, { mode: 0o600 });
  return box;
}
