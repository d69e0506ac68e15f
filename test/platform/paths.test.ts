// Private files: dirs 0700, files 0600, no symlinks, no foreign owners.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, JitError } from '../../src/core/errors.js';
import { assertNoFile, ensurePrivateDir, preparePrivateFile, privateFileExists, readTrustedFile, resolvePaths, writePrivateFile } from '../../src/platform/paths.js';

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

  it('prepares a private file: created 0600 when absent, tightened to 0600 (with its -wal and -shm) when looser, content kept', () => {
    const dir = (scratch = mkdtempSync(join(tmpdir(), 'jit-paths-')));
    const db = join(dir, 'jit.db');
    preparePrivateFile(db);
    expect(statSync(db).mode & 0o777).toBe(0o600);
    writeFileSync(db, 'data');
    for (const path of [db, `${db}-wal`, `${db}-shm`]) {
      if (!existsSync(path)) writeFileSync(path, '');
      chmodSync(path, 0o644);
    }
    preparePrivateFile(db);
    for (const path of [db, `${db}-wal`, `${db}-shm`]) expect(statSync(path).mode & 0o777, path).toBe(0o600);
    expect(readFileSync(db, 'utf8')).toBe('data');
  });

  it('refuses to prepare a private file through a symlink (dangling or not), at the file or its -wal', () => {
    const dir = (scratch = mkdtempSync(join(tmpdir(), 'jit-paths-')));
    symlinkSync(join(dir, 'target'), join(dir, 'dangling.db'));
    expect(osError(() => preparePrivateFile(join(dir, 'dangling.db'))).message).toContain('symbolic link');
    expect(existsSync(join(dir, 'target'))).toBe(false);
    writeFileSync(join(dir, 'real'), '', { mode: 0o644 });
    symlinkSync(join(dir, 'real'), join(dir, 'link.db'));
    osError(() => preparePrivateFile(join(dir, 'link.db')));
    expect(statSync(join(dir, 'real')).mode & 0o777).toBe(0o644);
    writeFileSync(join(dir, 'ok.db'), '', { mode: 0o600 });
    symlinkSync(join(dir, 'real'), join(dir, 'ok.db-wal'));
    osError(() => preparePrivateFile(join(dir, 'ok.db')));
  });

  it('refuses to prepare a private file that is a directory or belongs to someone else', () => {
    const dir = (scratch = mkdtempSync(join(tmpdir(), 'jit-paths-')));
    mkdirSync(join(dir, 'jit.db'));
    expect(osError(() => preparePrivateFile(join(dir, 'jit.db'))).message).toContain('is not a file');
    // As root, a file given away to nobody; as anyone else, a file root owns.
    let foreign = '/etc/hostname';
    if (process.getuid?.() === 0) {
      foreign = join(dir, 'foreign.db');
      writeFileSync(foreign, '', { mode: 0o644 });
      chownSync(foreign, 65534, 65534);
    }
    expect(osError(() => preparePrivateFile(foreign)).message).toMatch(/belongs to uid \d+, not to you/);
    if (process.getuid?.() === 0) expect(statSync(foreign).mode & 0o777).toBe(0o644);
  });

  it('reads a trusted file only when others cannot write it (78, with the chmod that fixes it)', () => {
    const dir = (scratch = mkdtempSync(join(tmpdir(), 'jit-paths-')));
    const file = join(dir, 'policy.yaml');
    expect(readTrustedFile(file, 1024)).toBeUndefined();
    writeFileSync(file, 'roles: {}\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(readTrustedFile(file, 1024)).toBe('roles: {}\n');
    for (const mode of [0o664, 0o646, 0o666, 0o620]) {
      chmodSync(file, mode);
      try {
        readTrustedFile(file, 1024);
        throw new Error(`mode ${mode.toString(8)} was accepted`);
      } catch (error) {
        expect((error as JitError).exitCode).toBe(ExitCode.config);
        expect((error as JitError).hint).toBe(`chmod 600 ${file}`);
      }
    }
    symlinkSync(file, join(dir, 'link.yaml'));
    expect(osError(() => readTrustedFile(join(dir, 'link.yaml'), 1024)).message).toContain('symbolic link');
  });

  it('refuses to read a trusted file larger than its limit (78), before reading it', () => {
    const dir = (scratch = mkdtempSync(join(tmpdir(), 'jit-paths-')));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'x'.repeat(2048), { mode: 0o600 });
    expect(readTrustedFile(file, 2048)).toHaveLength(2048);
    try {
      readTrustedFile(file, 1024);
      throw new Error('a file over the limit was read');
    } catch (error) {
      expect((error as JitError).exitCode).toBe(ExitCode.config);
      expect((error as JitError).message).toContain('is larger than 1 KiB');
    }
  });
});
