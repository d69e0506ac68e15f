// What every command receives: streams, environment, paths, and lazily opened dependencies.
import type { Backend } from '../backends/backend.js';
import type { Environment } from '../core/session-env.js';
import type { JitPaths } from '../platform/paths.js';
import type { LocalCredentials } from '../session/local-credentials.js';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Context {
  env: Environment;
  stdout: Output;
  stderr: Output;
  paths: JitPaths;
  /** Opens the configured backend once; the first call also runs the sweep and keychain clean-up. */
  backend(): Promise<Backend>;
  /** The keychain as sessions use it: put, remove, reconcile. */
  credentials(): LocalCredentials;
}
