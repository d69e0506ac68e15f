// config.yaml: which backend jit talks to, and how it behaves on this machine. Absent, jit runs on
// the embedded default. Validated like the policy: every error names the file, line and column, and
// an unknown key is refused rather than silently ignored.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JitError, displayValue } from '../core/errors.js';
import { lstatOrUndefined, privateFileExists, readTrustedFile, writePrivateFile } from '../platform/paths.js';
import type { KeychainSetting } from '../platform/secret-store.js';

export const CONFIG_FILE = 'config.yaml';

export interface JitConfig {
  /** embedded: the broker runs in this process; http: a team broker (`jit serve`) at `broker`. */
  backend: 'embedded' | 'http';
  /** The team broker's URL (backend: http): https://, or http:// on loopback. */
  broker?: string;
  /** A PEM file of the CA that signed the broker's certificate, when it is not one the system trusts. */
  caFile?: string;
  /** Whether the `jit elevate` subshell shows the prompt segment (bash, zsh, fish). */
  prompt: boolean;
  /** Where credentials live while their grant does, on Linux: see keyring-store.ts. */
  keychain: KeychainSetting;
}

const defaults: JitConfig = { backend: 'embedded', prompt: true, keychain: 'auto' };

/** config.yaml holds three settings; anything this large is not one jit wrote. */
const MAX_CONFIG_BYTES = 64 * 1024;

export const defaultConfigYaml = `# jit configuration. Reference: README.md, "Configuration and policy".
# embedded: the broker runs inside jit; its state (SQLite, audit, keys) is in $XDG_STATE_HOME/jit.
# http: a team broker (\`jit serve\`): add broker: https://jit.example.com (and caFile: /path/ca.pem for a
# private CA), then run \`jit login\`.
backend: embedded
# true: the \`jit elevate\` subshell (bash, zsh, fish) shows the role and time left in its prompt.
prompt: true
# Linux only: where a credential lives while its grant does. secret-service: the desktop keyring on the
# session D-Bus; keyutils: the kernel keyring of the login session (headless servers); auto: the Secret
# Service when the session bus offers one, else the kernel keyring. \`jit doctor\` shows the choice.
keychain: auto
`;

function invalid(path: string, position: { line: number; col: number } | undefined, message: string): JitError {
  return new JitError('config', `invalid config: ${path}${position ? `:${position.line}:${position.col}` : ''}: ${message}`, {
    hint: `fix ${path} (README.md, "Configuration and policy", shows every setting)`,
  });
}

/** What a validated config.yaml said, by the SHA-256 of its text, in the private state dir. */
const VALIDATED_CONFIG_FILE = 'config-validated.json';

function isConfig(value: unknown): value is JitConfig {
  const config = value as Partial<JitConfig> | null;
  const backendOk = config?.backend === 'embedded' || (config?.backend === 'http' && typeof config.broker === 'string');
  return backendOk && typeof config?.prompt === 'boolean' && ['auto', 'secret-service', 'keyutils'].includes(String(config.keychain));
}

/**
 * config.yaml, validated. The YAML parser and zod cost ~30 ms of start-up, so a file validated once is
 * remembered (by its content's hash) in `stateDir` and not parsed again until it changes.
 */
export async function loadConfig(configDir: string, stateDir?: string): Promise<JitConfig> {
  const path = join(configDir, CONFIG_FILE);
  const text = readTrustedFile(path, MAX_CONFIG_BYTES);
  if (text === undefined) return defaults;
  const hash = createHash('sha256').update(text).digest('hex');
  const remembered = stateDir === undefined ? undefined : rememberedConfig(join(stateDir, VALIDATED_CONFIG_FILE), hash);
  if (remembered) return remembered;
  const config = await validateConfig(path, text);
  if (stateDir !== undefined && lstatOrUndefined(stateDir)?.isDirectory()) {
    // A convenience only: a state dir that cannot take it just means parsing again next time.
    try {
      writePrivateFile(join(stateDir, VALIDATED_CONFIG_FILE), JSON.stringify({ hash, config }));
    } catch {
      // Parsed again next time.
    }
  }
  return config;
}

function rememberedConfig(path: string, hash: string): JitConfig | undefined {
  try {
    if (!privateFileExists(path)) return undefined;
    const cached = JSON.parse(readFileSync(path, 'utf8')) as { hash?: unknown; config?: unknown };
    return cached.hash === hash && isConfig(cached.config) ? cached.config : undefined;
  } catch {
    return undefined;
  }
}

async function validateConfig(path: string, text: string): Promise<JitConfig> {
  // Loaded only now: the YAML parser and zod cost start-up that commands without a config never pay.
  const [{ readYamlSettings }, { z }] = await Promise.all([import('../platform/yaml-settings.js'), import('zod')]);
  const { isLoopbackHost } = await import('../core/loopback.js');
  const schema = z
    .strictObject({
      backend: z.enum(['embedded', 'http'], { error: 'must be embedded or http' }).default('embedded'),
      broker: z
        .string({ error: 'must be the team broker\'s URL' })
        .superRefine((text, context) => {
          const url = URL.canParse(text) ? new URL(text) : undefined;
          if (!url || !['https:', 'http:'].includes(url.protocol) || url.pathname !== '/' || url.search || url.username) {
            context.addIssue({ code: 'custom', message: 'must be the team broker\'s URL, like https://jit.example.com' });
          } else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
            // SECURITY: bearer tokens and credentials cross this connection.
            context.addIssue({ code: 'custom', message: 'must be https:// (http:// only on loopback)' });
          }
        })
        .optional(),
      caFile: z.string({ error: 'must be an absolute path' }).refine((text) => text.startsWith('/'), { error: 'must be an absolute path' }).optional(),
      prompt: z.boolean({ error: 'must be true or false' }).default(true),
      keychain: z.enum(['auto', 'secret-service', 'keyutils'], { error: 'must be auto, secret-service or keyutils' }).default('auto'),
    })
    .superRefine((config, context) => {
      if (config.backend === 'http' && config.broker === undefined) context.addIssue({ code: 'custom', path: ['backend'], message: 'http needs broker: the team broker\'s URL' });
      if (config.backend === 'embedded' && config.broker !== undefined) context.addIssue({ code: 'custom', path: ['broker'], message: 'is for backend: http; the embedded broker runs in jit itself' });
    });
  // SECURITY: nested aliases ("billion laughs") are refused, not expanded; config.yaml needs none.
  const read = readYamlSettings(text, schema, { maxAliasCount: 10 });
  if (read.ok) return read.value as JitConfig;
  if (!read.issue) throw invalid(path, read.position, read.message);
  if (read.issue.code === 'unrecognized_keys') {
    throw invalid(path, read.position, `unknown setting ${displayValue(read.keys.at(-1)!)}: config.yaml has backend, broker, caFile, prompt and keychain`);
  }
  throw invalid(path, read.position, read.issue.path.length === 0 ? 'must be a mapping of settings (backend, broker, caFile, prompt, keychain)' : `${read.issue.path.join('.')}: ${read.message}`);
}
