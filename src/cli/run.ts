// Composition root: builds the dependencies once, runs the program, maps errors to exit codes.
import type { Backend } from '../backends/backend.js';
import { ExitCode, JitError } from '../core/errors.js';
import type { JitConfig } from '../backends/config.js';
import { KeyringSecretStore } from '../platform/keyring-store.js';
import { resolvePaths } from '../platform/paths.js';
import { InquirerPrompter, type Prompter } from '../platform/prompter.js';
import type { SecretStore } from '../platform/secret-store.js';
import { LocalCredentials } from '../session/local-credentials.js';
import { refreshCompletionCache } from './completion-cache.js';
import type { Context } from './context.js';
import { prepareColor, printError, warn } from './render.js';

/**
 * Opens the broker and enforces what is due before any command runs: the sweep (ends orphaned and
 * expired grants at their targets), then what dead sessions on this machine left behind.
 */
async function openBackend(context: Context): Promise<Backend> {
  const config = await context.config();
  let backend: Backend;
  if (config.backend === 'http') {
    // A team broker: the operator's login proves who calls; the broker sweeps on its own.
    const { teamBroker } = await import('./team-broker.js');
    const { openHttpBackend } = await import('../backends/http.js');
    const { witnessPath } = await import('../backends/audit-witness.js');
    const team = await teamBroker(context, 'elevate');
    backend = openHttpBackend(team.connect(), { witnessFile: witnessPath(context.paths.stateDir, team.url) });
  } else {
    const { openEmbeddedBackend } = await import('../backends/embedded.js');
    const { localOperator } = await import('../platform/operator.js');
    backend = await openEmbeddedBackend(context.paths, localOperator(), context.secrets());
  }
  const ended = await backend.sweep();
  for (const grant of ended) {
    if (grant.revokeReason === 'orphaned' || grant.revokeReason === 'expired') warn(context, `revoked ${grant.id}, which had outlived its session or TTL`);
    if (grant.revocation === 'irrevocable') warn(context, `WARNING: ${grant.id} (${grant.role}, ${grant.ticket}) could not be revoked at its target; see \`jit audit standing\``);
  }
  // A keychain out of reach is retried quietly by later runs; `jit status` and `jit doctor` show it.
  const recovery = await context.credentials().recover(backend, ended.length);
  for (const { grantId, processes } of recovery.ended) warn(context, `ended ${processes} process(es) left running by ${grantId}, whose jit was killed`);
  return backend;
}

export async function run(argv: string[]): Promise<number> {
  let backend: Promise<Backend> | undefined;
  let secrets: SecretStore | undefined;
  let credentials: LocalCredentials | undefined;
  let config: Promise<JitConfig> | undefined;
  let prompter: Prompter | undefined;
  const context: Context = {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    paths: resolvePaths(process.env),
    // The store config.yaml's `keychain:` names (auto: Secret Service, else the kernel keyring), chosen at first use.
    secrets: () => (secrets ??= new KeyringSecretStore({ setting: async () => (await context.config()).keychain, env: context.env })),
    credentials: () => (credentials ??= new LocalCredentials(context.secrets(), context.paths.stateDir)),
    config: () => (config ??= import('../backends/config.js').then(({ loadConfig }) => loadConfig(context.paths.configDir, context.paths.stateDir))),
    prompter: () => (prompter ??= new InquirerPrompter()),
    backend: () => (backend ??= openBackend(context)),
  };
  try {
    await prepareColor(context);
    const { runProgram } = await import('./program.js');
    return await runProgram(argv, context);
  } catch (error) {
    printError(context, error);
    return error instanceof JitError ? error.exitCode : ExitCode.internal;
  } finally {
    const opened = await backend?.catch(() => undefined);
    if (opened) {
      // Completion data is a convenience: failing to write it never changes the command's outcome.
      await refreshCompletionCache(opened, context.paths.stateDir).catch(() => undefined);
      await opened.close();
    }
  }
}
