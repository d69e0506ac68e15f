// SecretStore over @napi-rs/keyring: macOS Keychain, Windows Credential Manager, Secret Service.
import { KEYCHAIN_SERVICE, keychainUnavailable, type SecretStore } from './secret-store.js';

type Keyring = typeof import('@napi-rs/keyring');

/** Keychain calls that take longer than this are treated as an unavailable keychain (a locked prompt, a hung D-Bus). */
const TIMEOUT_MS = 5000;

export class KeyringSecretStore implements SecretStore {
  #module: Promise<Keyring> | undefined;
  /** Each entry opens its own D-Bus connection (~10 ms), so one per account is kept and reused. */
  readonly #entries = new Map<string, InstanceType<Keyring['AsyncEntry']>>();

  // The native module is loaded on first use so commands that never touch the keychain start fast.
  #load(): Promise<Keyring> {
    this.#module ??= import('@napi-rs/keyring');
    return this.#module;
  }

  async #call<T>(action: string, run: (keyring: Keyring, signal: AbortSignal) => Promise<T>): Promise<T> {
    const keyring = await this.#load();
    const signal = AbortSignal.timeout(TIMEOUT_MS);
    try {
      return await run(keyring, signal);
    } catch (error) {
      throw keychainUnavailable(signal.aborted ? `${action} timed out after ${TIMEOUT_MS / 1000}s` : action, error);
    }
  }

  #entry(keyring: Keyring, account: string) {
    let entry = this.#entries.get(account);
    if (!entry) {
      // Pinned to Secret Service on Linux: the kernel keyutils store does not survive a logout and is not what users inspect.
      entry = new keyring.AsyncEntry(KEYCHAIN_SERVICE, account, { linux: { store: 'secret-service' } });
      this.#entries.set(account, entry);
    }
    return entry;
  }

  get(account: string): Promise<string | null> {
    return this.#call('read', (k, signal) => this.#entry(k, account).getPassword(signal));
  }

  set(account: string, secret: string): Promise<void> {
    return this.#call('write', (k, signal) => this.#entry(k, account).setPassword(secret, signal));
  }

  delete(account: string): Promise<boolean> {
    return this.#call('delete', (k, signal) => this.#entry(k, account).deleteCredential(signal));
  }

  async list(): Promise<string[]> {
    const found = await this.#call('list', (k, signal) => k.findCredentialsAsync(KEYCHAIN_SERVICE, null, signal));
    return found.map((credential) => credential.account);
  }
}
