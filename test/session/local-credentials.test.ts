// The keychain clean-up rules: a session is marked before its credential is stored and unmarked only once it
// is gone; a dead session's mark is finished by a later run, which never touches the keychain otherwise.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import type { SecretStore } from '../../src/platform/secret-store.js';
import { LocalCredentials } from '../../src/session/local-credentials.js';

/** An in-memory keychain that can be told to fail; the real one is exercised in test/platform and test/e2e. */
class MemoryKeychain implements SecretStore {
  readonly entries = new Map<string, string>();
  failDeletes = false;
  lists = 0;
  async get(account: string) {
    return this.entries.get(account) ?? null;
  }
  async set(account: string, secret: string) {
    this.entries.set(account, secret);
  }
  async delete(account: string) {
    if (this.failDeletes) throw new Error('keychain locked');
    return this.entries.delete(account);
  }
  async list() {
    this.lists++;
    return [...this.entries.keys()];
  }
}

const dead = { ownerPid: 2 ** 22 + 1, ownerStartTime: '1', cgroup: null };
const grantId = 'g_00000000000000000000000002';
const backend = { grant: async () => undefined, recordSession: async () => {} } as unknown as Backend;

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const sessionFile = (id: string) => join(dir, 'sessions', `${id}.json`);

describe('LocalCredentials', () => {
  it('a run with no dead session never touches the keychain', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-cred-'));
    const keychain = new MemoryKeychain();
    await keychain.set(grantId, '{}');
    expect(await new LocalCredentials(keychain, dir).recover(backend)).toEqual({ ended: [], pending: [] });
    expect(keychain.lists).toBe(0);
  });

  it('marks the session before storing the credential, and unmarks it only once removed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-cred-'));
    const keychain = new MemoryKeychain();
    const credentials = new LocalCredentials(keychain, dir);
    await credentials.put({ grantId, ownerPid: process.pid, ownerStartTime: null, cgroup: null }, { JIT_TOKEN: 't' });
    expect(existsSync(sessionFile(grantId))).toBe(true);
    keychain.failDeletes = true;
    await expect(credentials.remove(grantId)).rejects.toThrow('keychain locked');
    expect(existsSync(sessionFile(grantId))).toBe(true);
    keychain.failDeletes = false;
    await credentials.remove(grantId);
    expect(existsSync(sessionFile(grantId))).toBe(false);
    expect(keychain.entries.size).toBe(0);
  });

  it('a live session is left alone; a dead one is finished, quietly retried while the keychain fails', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-cred-'));
    const keychain = new MemoryKeychain();
    const credentials = new LocalCredentials(keychain, dir);
    const liveId = 'g_00000000000000000000000001';
    await credentials.put({ grantId: liveId, ownerPid: process.pid, ownerStartTime: null, cgroup: null }, { JIT_TOKEN: 'a' });
    await credentials.put({ grantId, ...dead }, { JIT_TOKEN: 'b' });
    keychain.failDeletes = true;
    expect(await credentials.recover(backend)).toEqual({ ended: [], pending: [grantId] });
    expect(credentials.orphans().map((s) => s.grantId)).toEqual([grantId]);
    keychain.failDeletes = false;
    expect(await credentials.recover(backend)).toEqual({ ended: [], pending: [] });
    expect([...keychain.entries.keys()]).toEqual([liveId]);
    expect(existsSync(sessionFile(grantId))).toBe(false);
    expect(existsSync(sessionFile(liveId))).toBe(true);
  });

  it('a dead session whose credential was never stored leaves no mark once forgotten', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-cred-'));
    const credentials = new LocalCredentials(new MemoryKeychain(), dir);
    await credentials.put({ grantId, ...dead }, {});
    credentials.forget(grantId);
    expect(credentials.orphans()).toEqual([]);
  });

  it('a file whose grant the broker says is live, with its owner alive, is not an orphan: nothing is ended or removed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-cred-'));
    const keychain = new MemoryKeychain();
    const credentials = new LocalCredentials(keychain, dir);
    await credentials.put({ grantId, ...dead }, { JIT_TOKEN: 'b' });
    const liveGrant = { grant: async () => ({ id: grantId, state: 'active', owner: { host: 'h', pid: process.pid, startTime: null } }), recordSession: async () => {} } as unknown as Backend;
    expect(await credentials.recover(liveGrant)).toEqual({ ended: [], pending: [] });
    expect(keychain.entries.has(grantId)).toBe(true);
  });

  it('refuses a sessions directory that is a symbolic link, and skips a session file that is one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-cred-'));
    const { mkdirSync, symlinkSync, writeFileSync } = await import('node:fs');
    const elsewhere = mkdtempSync(join(tmpdir(), 'jit-elsewhere-'));
    writeFileSync(join(elsewhere, `${grantId}.json`), JSON.stringify({ grantId, ...dead }));
    symlinkSync(elsewhere, join(dir, 'sessions'));
    const credentials = new LocalCredentials(new MemoryKeychain(), dir);
    expect(() => credentials.orphans()).toThrow('symbolic link');
    rmSync(join(dir, 'sessions'));
    mkdirSync(join(dir, 'sessions'), { mode: 0o700 });
    symlinkSync(join(elsewhere, `${grantId}.json`), join(dir, 'sessions', `${grantId}.json`));
    expect(credentials.orphans()).toEqual([]);
    rmSync(elsewhere, { recursive: true, force: true });
  });
});
