// config.yaml: which backend jit talks to. Absent, jit runs on the embedded default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JitError, displayValue } from '../core/errors.js';
import { privateFileExists } from '../platform/paths.js';

export const CONFIG_FILE = 'config.yaml';

export interface JitConfig {
  backend: 'embedded';
}

export const defaultConfigYaml = `# jit configuration. Reference: README.md, "Configuration".
# embedded: the broker runs inside jit; its state (SQLite, audit, keys) is in $XDG_STATE_HOME/jit.
backend: embedded
`;

export async function loadConfig(configDir: string): Promise<JitConfig> {
  const path = join(configDir, CONFIG_FILE);
  if (!privateFileExists(path)) return { backend: 'embedded' };
  const { parse } = await import('../platform/yaml.js');
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new JitError('config', `invalid config: ${path}: ${(error as Error).message.split('\n')[0]}`, { hint: `fix ${path}` });
  }
  const backend = (raw as { backend?: unknown } | null)?.backend ?? 'embedded';
  if (backend !== 'embedded') {
    throw new JitError('config', `invalid config: ${path}: backend ${displayValue(String(backend))} is not available in this version`, {
      hint: 'use `backend: embedded`; a team broker (`jit serve`) comes in a later version',
    });
  }
  return { backend };
}
