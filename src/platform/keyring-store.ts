// SecretStore over @napi-rs/keyring: macOS Keychain, Windows Credential Manager, and on Linux the
// Secret Service (a desktop's keyring, over D-Bus) or the kernel key retention service (keyutils: in
// kernel memory, per login session; a fit for a headless server and minutes-long credentials).
import { readFile } from 'node:fs/promises';
import { KEYCHAIN_SERVICE, keychainHint, keychainUnavailable, type KeychainSetting, type KeychainStore, type SecretStore } from './secret-store.js';

type Keyring = typeof import('@napi-rs/keyring');
type Entry = InstanceType<Keyring['AsyncEntry']>;

/** Keychain calls that take longer than this are treated as an unavailable keychain (a locked prompt, a hung D-Bus). */
const TIMEOUT_MS = 5000;

/** Which store is in use, and why: `jit doctor` shows it. */
export interface KeychainChoice {
  store: KeychainStore;
  setting: KeychainSetting;
  why: string;
}

export interface KeyringStoreOptions {
  /** config.yaml's `keychain:`, read when the keychain is first used. */
  setting?: () => Promise<KeychainSetting>;
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
}

export class KeyringSecretStore implements SecretStore {
  readonly #options: KeyringStoreOptions;
  #module: Promise<Keyring> | undefined;
  #choice: Promise<KeychainChoice> | undefined;
  /** Each Secret Service entry opens its own D-Bus connection (~10 ms), so one per account is kept and reused. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: KeyringStoreOptions = {}) {
    this.#options = options;
  }

  // The native module is loaded on first use so commands that never touch the keychain start fast.
  #load(): Promise<Keyring> {
    this.#module ??= import('@napi-rs/keyring');
    return this.#module;
  }

  /**
   * Decides the store once per process, at its first use, without spawning anything. auto takes the
   * Secret Service when DBUS_SESSION_BUS_ADDRESS is set and org.freedesktop.secrets answers on that
   * bus (opening an entry asks the bus, ~10 ms, and that entry is kept for the first call), else the
   * kernel keyring of this session.
   */
  choice(firstAccount = 'jit-keychain-probe'): Promise<KeychainChoice> {
    this.#choice ??= this.#choose(firstAccount);
    return this.#choice;
  }

  async #choose(firstAccount: string): Promise<KeychainChoice> {
    const setting = (await this.#options.setting?.()) ?? 'auto';
    if ((this.#options.platform ?? process.platform) !== 'linux') return { store: 'platform', setting, why: 'the OS keychain' };
    if (setting !== 'auto') return { store: setting, setting, why: `keychain: ${setting} in config.yaml` };
    const env = this.#options.env ?? process.env;
    if (!env.DBUS_SESSION_BUS_ADDRESS) return { store: 'keyutils', setting, why: 'auto: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)' };
    const keyring = await this.#load();
    try {
      this.#entries.set(firstAccount, new keyring.AsyncEntry(KEYCHAIN_SERVICE, firstAccount, { linux: { store: 'secret-service' } }));
      return { store: 'secret-service', setting, why: 'auto: the session D-Bus offers a Secret Service' };
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      return { store: 'keyutils', setting, why: `auto: no Secret Service on the session D-Bus (${reason})` };
    }
  }

  async #call<T>(action: string, account: string | undefined, run: (keyring: Keyring, choice: KeychainChoice, signal: AbortSignal) => Promise<T>): Promise<T> {
    const keyring = await this.#load();
    const choice = await this.choice(account);
    const signal = AbortSignal.timeout(TIMEOUT_MS);
    try {
      return await run(keyring, choice, signal);
    } catch (error) {
      const what = `${action}, ${choice.store === 'platform' ? 'OS keychain' : choice.store}`;
      throw keychainUnavailable(signal.aborted ? `${what}: timed out after ${TIMEOUT_MS / 1000}s` : what, error, keychainHint(choice.store, choice.setting));
    }
  }

  #entry(keyring: Keyring, choice: KeychainChoice, account: string): Entry {
    let entry = this.#entries.get(account);
    if (!entry) {
      entry = new keyring.AsyncEntry(KEYCHAIN_SERVICE, account, choice.store === 'platform' ? undefined : { linux: { store: choice.store } });
      this.#entries.set(account, entry);
    }
    return entry;
  }

  get(account: string): Promise<string | null> {
    return this.#call('read', account, (k, choice, signal) => this.#entry(k, choice, account).getPassword(signal));
  }

  set(account: string, secret: string): Promise<void> {
    return this.#call('write', account, async (k, choice, signal) => {
      const entry = this.#entry(k, choice, account);
      try {
        await entry.setPassword(secret, signal);
      } catch (error) {
        // SECURITY: keyutils adds the key to the session keyring before linking it to the persistent
        // one; when the link fails the write fails with the key in place. Never leave it there.
        await entry.deleteCredential().catch(() => undefined);
        throw error;
      }
    });
  }

  delete(account: string): Promise<boolean> {
    return this.#call('delete', account, (k, choice, signal) => this.#entry(k, choice, account).deleteCredential(signal));
  }

  async list(): Promise<string[]> {
    return this.#call('list', undefined, async (k, choice, signal) => {
      if (choice.store === 'keyutils') return listKernelKeys();
      const found = await k.findCredentialsAsync(KEYCHAIN_SERVICE, null, signal);
      return found.map((credential) => credential.account);
    });
  }
}

/**
 * The binding lists the Secret Service only; the kernel shows every key this process may view in
 * /proc/keys. The keyutils store names a key `keyring:ACCOUNT@SERVICE`. Keys of another login session
 * may be listed too; deleting one of those finds nothing, as the store searches this session's keyrings.
 */
async function listKernelKeys(): Promise<string[]> {
  const uid = process.getuid?.();
  const accounts: string[] = [];
  for (const line of (await readFile('/proc/keys', 'utf8')).split('\n')) {
    // id flags usage timeout perm uid gid type description: size (the service is KEYCHAIN_SERVICE, "jit")
    const match = /^\S+\s+(\S+)\s+\d+\s+\S+\s+[0-9a-f]+\s+(\d+)\s+\d+\s+user\s+keyring:(.+)@jit: \d+$/.exec(line);
    // Flags R, D and i: revoked, dead, invalidated.
    if (match && Number(match[2]) === uid && !/[RDi]/.test(match[1]!)) accounts.push(match[3]!);
  }
  return accounts;
}
