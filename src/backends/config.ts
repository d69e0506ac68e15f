// config.yaml: which backend jit talks to. Absent, jit runs on the embedded default.
import { join } from 'node:path';
import { JitError, displayValue } from '../core/errors.js';
import { readTrustedFile } from '../platform/paths.js';

export const CONFIG_FILE = 'config.yaml';

export interface JitConfig {
  backend: 'embedded';
  /** Whether the `jit elevate` subshell shows the prompt segment (bash, zsh, fish). */
  prompt: boolean;
}

const defaults: JitConfig = { backend: 'embedded', prompt: true };

/** config.yaml holds two settings; anything this large is not one jit wrote. */
const MAX_CONFIG_BYTES = 64 * 1024;

export const defaultConfigYaml = `# jit configuration. Reference: README.md, "Configuration".
# embedded: the broker runs inside jit; its state (SQLite, audit, keys) is in $XDG_STATE_HOME/jit.
backend: embedded
# true: the \`jit elevate\` subshell (bash, zsh, fish) shows the role and time left in its prompt.
prompt: true
`;

export async function loadConfig(configDir: string): Promise<JitConfig> {
  const path = join(configDir, CONFIG_FILE);
  const text = readTrustedFile(path, MAX_CONFIG_BYTES);
  if (text === undefined) return defaults;
  const { parse } = await import('../platform/yaml.js');
  let raw: unknown;
  try {
    // SECURITY: nested aliases ("billion laughs") are refused, not expanded; config.yaml needs none.
    raw = parse(text, { maxAliasCount: 10 });
  } catch (error) {
    throw new JitError('config', `invalid config: ${path}: ${(error as Error).message.split('\n')[0]}`, { hint: `fix ${path}` });
  }
  const settings = (raw ?? {}) as { backend?: unknown; prompt?: unknown };
  const backend = settings.backend ?? defaults.backend;
  if (backend !== 'embedded') {
    throw new JitError('config', `invalid config: ${path}: backend ${displayValue(String(backend))} is not available in this version`, {
      hint: 'use `backend: embedded`; a team broker (`jit serve`) comes in a later version',
    });
  }
  const prompt = settings.prompt ?? defaults.prompt;
  if (typeof prompt !== 'boolean') {
    throw new JitError('config', `invalid config: ${path}: prompt must be true or false, not ${displayValue(String(prompt))}`, { hint: `fix ${path}` });
  }
  return { backend, prompt };
}
