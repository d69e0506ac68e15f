// The SecretStore against a real Secret Service (gnome-keyring on a private D-Bus session).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyringSecretStore } from '../../src/platform/keyring-store.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';

let keyring: SecretService;
const saved = process.env.DBUS_SESSION_BUS_ADDRESS;

beforeAll(async () => {
  keyring = await startSecretService();
  // This test file runs in its own worker process: pointing it at the private bus touches nothing else.
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.env.DBUS_SESSION_BUS_ADDRESS;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  await keyring?.stop();
});

describe('KeyringSecretStore', () => {
  it('stores, reads, lists and deletes under service "jit"', async () => {
    const store = new KeyringSecretStore();
    await store.set('g_one', '{"JIT_TOKEN":"a"}');
    await store.set('g_two', '{"JIT_TOKEN":"b"}');
    expect(await store.get('g_one')).toBe('{"JIT_TOKEN":"a"}');
    expect((await store.list()).sort()).toEqual(['g_one', 'g_two']);
    expect((await keyring.jitAccounts()).sort()).toEqual(['g_one', 'g_two']);
    expect(await store.delete('g_one')).toBe(true);
    expect(await store.delete('g_one')).toBe(false);
    expect(await store.get('g_one')).toBeNull();
    expect(await store.delete('g_two')).toBe(true);
    expect(await keyring.jitAccounts()).toEqual([]);
  });

  // An unreachable keychain (exit 71, advice, grant revoked) is tested through the binary in
  // test/e2e/bad-input.test.ts: the native module keeps its D-Bus connection for the life of a process.
});
