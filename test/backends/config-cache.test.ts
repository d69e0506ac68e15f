// config.yaml is validated once per content: remembered by its hash, validated again when it changes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/backends/config.js';
import { JitError } from '../../src/core/errors.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setUp(): { config: string; state: string } {
  dir = mkdtempSync(join(tmpdir(), 'jit-config-'));
  const config = join(dir, 'config');
  const state = join(dir, 'state');
  mkdirSync(config, { mode: 0o700 });
  mkdirSync(state, { mode: 0o700 });
  return { config, state };
}

describe('loadConfig with a state dir', () => {
  it('remembers a validated file, and validates it again as soon as it changes', async () => {
    const { config, state } = setUp();
    writeFileSync(join(config, 'config.yaml'), 'keychain: keyutils\n', { mode: 0o600 });
    expect(await loadConfig(config, state)).toEqual({ backend: 'embedded', prompt: true, keychain: 'keyutils' });
    expect(JSON.parse(readFileSync(join(state, 'config-validated.json'), 'utf8')).config.keychain).toBe('keyutils');
    expect(await loadConfig(config, state)).toMatchObject({ keychain: 'keyutils' });
    writeFileSync(join(config, 'config.yaml'), 'keychain: nope\n', { mode: 0o600 });
    const error = await loadConfig(config, state).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JitError);
    expect((error as JitError).exitCode).toBe(78);
  });

  it('ignores a remembered entry that does not match the file or is not a config', async () => {
    const { config, state } = setUp();
    writeFileSync(join(config, 'config.yaml'), 'prompt: false\n', { mode: 0o600 });
    writeFileSync(join(state, 'config-validated.json'), JSON.stringify({ hash: 'x', config: { backend: 'embedded', prompt: true, keychain: 'auto' } }), { mode: 0o600 });
    expect(await loadConfig(config, state)).toMatchObject({ prompt: false });
    writeFileSync(join(state, 'config-validated.json'), JSON.stringify({ hash: JSON.parse(readFileSync(join(state, 'config-validated.json'), 'utf8')).hash, config: { backend: 'http' } }), { mode: 0o600 });
    expect(await loadConfig(config, state)).toMatchObject({ prompt: false });
  });
});
