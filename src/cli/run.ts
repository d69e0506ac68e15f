// Composition root: builds the dependencies once, runs the program, maps errors to exit codes.
import type { Backend } from '../backends/backend.js';
import { ExitCode, JitError } from '../core/errors.js';
import { KeyringSecretStore } from '../platform/keyring-store.js';
import { resolvePaths } from '../platform/paths.js';
import type { SecretStore } from '../platform/secret-store.js';
import type { Context } from './context.js';
import { printError, warn } from './render.js';

async function openBackend(context: Context): Promise<Backend> {
  const { openEmbeddedBackend } = await import('../backends/embedded.js');
  const { localOperator } = await import('../platform/operator.js');
  const { cleanUp } = await import('../session/cleanup.js');
  const backend = await openEmbeddedBackend(context.paths, localOperator());
  const report = await cleanUp(backend, context.secrets());
  for (const id of report.ended) warn(context, `revoked ${id}, which had outlived its session or TTL`);
  return backend;
}

export async function run(argv: string[]): Promise<number> {
  let backend: Promise<Backend> | undefined;
  let secrets: SecretStore | undefined;
  const context: Context = {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    paths: resolvePaths(process.env),
    secrets: () => (secrets ??= new KeyringSecretStore()),
    backend: () => (backend ??= openBackend(context)),
  };
  try {
    const { runProgram } = await import('./program.js');
    return await runProgram(argv, context);
  } catch (error) {
    printError(context, error);
    return error instanceof JitError ? error.exitCode : ExitCode.internal;
  } finally {
    (await backend?.catch(() => undefined))?.close();
  }
}
