// config.yaml: defaults when absent, each setting validated, every error with file:line:column (exit 78),
// and unknown keys refused rather than ignored.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfigYaml, loadConfig } from '../../src/backends/config.js';
import { JitError } from '../../src/core/errors.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function configDir(text?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'jit-config-'));
  dirs.push(dir);
  if (text !== undefined) writeFileSync(join(dir, 'config.yaml'), text, { mode: 0o600 });
  return dir;
}

async function failure(text: string): Promise<JitError> {
  const dir = configDir(text);
  const error = await loadConfig(dir).then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(JitError);
  expect((error as JitError).exitCode).toBe(78);
  return error as JitError;
}

describe('config.yaml', () => {
  it('absent, empty or the one `jit init` writes: the defaults', async () => {
    const defaults = { backend: 'embedded', prompt: true, keychain: 'auto' };
    expect(await loadConfig(configDir())).toEqual(defaults);
    expect(await loadConfig(configDir(''))).toEqual(defaults);
    expect(await loadConfig(configDir(defaultConfigYaml))).toEqual(defaults);
  });

  it('backend: http with the team broker\'s URL and a CA file', async () => {
    expect(await loadConfig(configDir('backend: http\nbroker: https://jit.example.com\ncaFile: /etc/jit/ca.pem\n'))).toEqual({ backend: 'http', broker: 'https://jit.example.com', caFile: '/etc/jit/ca.pem', prompt: true, keychain: 'auto' });
  });

  it.each(['auto', 'secret-service', 'keyutils'])('keychain: %s', async (keychain) => {
    expect(await loadConfig(configDir(`prompt: false\nkeychain: ${keychain}\n`))).toEqual({ backend: 'embedded', prompt: false, keychain });
  });

  it.each([
    ['a keychain jit does not know', 'prompt: true\nkeychain: kwallet\n', ':2:1: keychain: must be auto, secret-service or keyutils'],
    ['a prompt that is not a boolean', 'prompt: yes please\n', ':1:1: prompt: must be true or false'],
    ['a backend jit does not have', 'backend: vault\n', ':1:1: backend: must be embedded or http'],
    ['the http backend without its broker', 'backend: http\n', ':1:1: backend: http needs broker: the team broker\'s URL'],
    ['a broker over plain HTTP off loopback', 'backend: http\nbroker: http://jit.example.com\n', ':2:1: broker: must be https:// (http:// only on loopback)'],
    ['a broker URL with a path', 'backend: http\nbroker: https://jit.example.com/api\n', ':2:1: broker: must be the team broker\'s URL, like https://jit.example.com'],
    ['a broker for the embedded backend', 'broker: https://jit.example.com\n', ':1:1: broker: is for backend: http'],
    ['an unknown key (a typo)', 'prompt: true\n  # comment\nkeychian: keyutils\n', ':3:1: unknown setting "keychian": config.yaml has backend, broker, caFile, prompt and keychain'],
    ['a list instead of settings', '- keychain\n', ': must be a mapping of settings (backend, broker, caFile, prompt, keychain)'],
    ['broken YAML', 'prompt: [true\n', ':2:1: '],
    ['a duplicate key', 'prompt: true\nprompt: false\n', ':2:1: Map keys must be unique'],
  ])('%s: exit 78 with file:line:column', async (_name, text, expected) => {
    const error = await failure(text);
    expect(error.message).toMatch(/^invalid config: \/.*\/config\.yaml/);
    expect(error.message).toContain(`config.yaml${expected}`);
    expect(error.hint).toMatch(/^fix \/.*config\.yaml \(README\.md, "Configuration and policy", shows every setting\)$/);
  });
});
