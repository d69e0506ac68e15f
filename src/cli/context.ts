// What every command receives: streams, environment, paths, and lazily opened dependencies.
import type { Backend } from '../backends/backend.js';
import type { JitConfig } from '../backends/config.js';
import type { Environment } from '../core/session-env.js';
import type { JitPaths } from '../platform/paths.js';
import type { Prompter } from '../platform/prompter.js';
import type { SecretStore } from '../platform/secret-store.js';
import type { LocalCredentials } from '../session/local-credentials.js';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width; 0 or absent when it is unknown. */
  columns?: number;
}

export interface Input {
  isTTY?: boolean;
}

export interface Context {
  env: Environment;
  stdin: Input;
  stdout: Output;
  stderr: Output;
  paths: JitPaths;
  /** config.yaml, read once. */
  config(): Promise<JitConfig>;
  /** Questions for a person; ask only where `canPrompt` allows. */
  prompter(): Prompter;
  /** Opens the configured backend once; the first call also runs the sweep and keychain clean-up. */
  backend(): Promise<Backend>;
  /** The OS keychain, opened on first use. */
  secrets(): SecretStore;
  /** The keychain as sessions use it: put, remove, and the clean-up dead sessions left. */
  credentials(): LocalCredentials;
}
