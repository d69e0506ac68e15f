// The keychain as jit sees it: a few calls that time out and fail in typed ways.
import { JitError } from '../core/errors.js';

export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** Resolves true when something was deleted, false when nothing was there. */
  delete(account: string): Promise<boolean>;
  /** The accounts stored under jit's service name. */
  list(): Promise<string[]>;
}

export const KEYCHAIN_SERVICE = 'jit';

/** config.yaml's `keychain:`: which store holds credentials on Linux (elsewhere the OS has one). */
export const KEYCHAIN_SETTINGS = ['auto', 'secret-service', 'keyutils'] as const;
export type KeychainSetting = (typeof KEYCHAIN_SETTINGS)[number];

/** The store in use: a Linux store, or the platform's one (macOS Keychain, Windows Credential Manager). */
export type KeychainStore = 'secret-service' | 'keyutils' | 'platform';

const DESKTOP_WAY = 'a running, unlocked Secret Service (gnome-keyring or KeePassXC) on the session D-Bus, with DBUS_SESSION_BUS_ADDRESS set';
const HEADLESS_WAY =
  'a kernel keyring of this login session (pam_keyinit gives SSH logins one; `keyctl session - jit …` gives one to a single command)';

/** What to do when a store fails, naming every way out that applies. */
export function keychainHint(store: KeychainStore, setting: KeychainSetting): string {
  if (store === 'platform') return 'unlock the login keychain and try again';
  if (setting === 'secret-service') return `keychain: secret-service (config.yaml) needs ${DESKTOP_WAY}; on a server without one, set keychain: keyutils or auto`;
  if (setting === 'keyutils') return `keychain: keyutils (config.yaml) needs ${HEADLESS_WAY}; on a desktop, set keychain: secret-service or auto`;
  return `jit needs either ${DESKTOP_WAY}, or ${HEADLESS_WAY}; \`keychain:\` in config.yaml pins one`;
}

export function keychainUnavailable(action: string, cause: unknown, hint?: string): JitError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new JitError('keychain', `the OS keychain is not available (${action}): ${detail}`, {
    cause,
    hint: hint ?? keychainHint(process.platform === 'linux' ? 'secret-service' : 'platform', 'secret-service'),
  });
}
