// Private files: dirs 0700, files 0600, no symlinks, no foreign owners.
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, JitError } from '../../src/core/errors.js';
import { assertNoFile, ensurePrivateDir, privateFileExists, resolvePaths, writePrivateFile } from '../../src/platform/paths.js';

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

function osError(run: () => unknown): JitError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(JitError);
    expect((error as JitError).exitCode).toBe(ExitCode.os);
    return error as JitError;
  }
  throw new Error('expected an OS error');
}

describe('paths', () => {
  it('follows XDG, with JIT_*_DIR overrides', () => {
    expect(resolvePaths({ HOME: '/h' })).toEqual({ configDir: '/h/.config/jit', stateDir: '/h/.local/state/jit' });
    expect(resolvePaths({ HOME: '/h', XDG_CONFIG_HOME: '/c', XDG_STATE_HOME: '/s' })).toEqual({ configDir: '/c/jit', stateDir: '/s/jit' });
    expect(resolvePaths({ HOME: '/h', JIT_CONFIG_DIR: '/jc', JIT_STATE_DIR: '/js' })).toEqual({ configDir: '/jc', stateDir: '/js' });
  });

  it('creates private dirs 0700 and tightens a wider one', () => {
    const root = (scratch = mkdtempSync(join(tmpdir(), 'jit-paths-')));
    const dir = ensurePrivateDir(join(root, 'a', 'state'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    mkdirSync(join(root, 'wide'), { mode: 0o755 });
    ensurePrivateDir(join(root, 'wide'));
    expect(statSync(join(root, 'wide')).mode & 0o777).toBe(0o700);
  });

  it('writes files 0600, atomically, and tells when one already exists', () => {
    const root = (scratch = mkdtempSync(join(tmpdir(), 'jit-paths-')));
    const file = join(root, 'policy.yaml');
    writePrivateFile(file, 'a');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(() => assertNoFile(file)).toThrow(/already exists/);
    writePrivateFile(file, 'c');
    expect(privateFileExists(file)).toBe(true);
  });

  it('refuses symlinked dirs and files', () => {
    const dir = (scratch = mkdtempSync(join(tmpdir(), 'jit-paths-')));
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect(osError(() => ensurePrivateDir(join(dir, 'link'))).message).toContain('symbolic link');
    writeFileSync(join(dir, 'real', 'f'), '');
    symlinkSync(join(dir, 'real', 'f'), join(dir, 'f-link'));
    osError(() => privateFileExists(join(dir, 'f-link')));
  });
});
