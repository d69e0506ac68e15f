// The keychain clean-up rules: list only when an entry can be stray; remove only our ended grants.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import type { GrantRecord } from '../../src/broker/records.js';
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

const live = 'g_00000000000000000000000001';
const ended = 'g_00000000000000000000000002';
const foreign = 'g_00000000000000000000000003';
const states: Record<string, GrantRecord['state']> = { [live]: 'active', [ended]: 'revoked' };
const backend = { grant: async (id: string) => (states[id] ? ({ id, state: states[id] } as GrantRecord) : undefined) } as Backend;

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalCredentials', () => {
  it('does not list the keychain when nothing can be stray', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-cred-'));
    const keychain = new MemoryKeychain();
    expect(await new LocalCredentials(keychain, dir).reconcile(backend, 0)).toEqual([]);
    expect(keychain.lists).toBe(0);
  });

  it('after the sweep ended grants, removes the credentials of ended grants only', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-cred-'));
    const keychain = new MemoryKeychain();
    for (const id of [live, ended, foreign, 'login-token']) await keychain.set(id, '{}');
    const removed = await new LocalCredentials(keychain, dir).reconcile(backend, 1);
    expect(removed).toEqual([ended]);
    // A live grant keeps its credential; another broker's grant and non-grant entries are not ours to judge.
    expect([...keychain.entries.keys()].sort()).toEqual([live, foreign, 'login-token'].sort());
  });

  it('a failed removal leaves a marker, so the next run cleans up even when the sweep found nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-cred-'));
    const keychain = new MemoryKeychain();
    const credentials = new LocalCredentials(keychain, dir);
    await credentials.put(ended, { JIT_TOKEN: 't' });
    keychain.failDeletes = true;
    await expect(credentials.remove(ended)).rejects.toThrow('keychain locked');
    expect(existsSync(join(dir, 'keychain-cleanup-pending'))).toBe(true);
    keychain.failDeletes = false;
    expect(await new LocalCredentials(keychain, dir).reconcile(backend, 0)).toEqual([ended]);
    expect(keychain.entries.size).toBe(0);
    expect(existsSync(join(dir, 'keychain-cleanup-pending'))).toBe(false);
  });
});
