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

export function keychainUnavailable(action: string, cause: unknown): JitError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new JitError('keychain', `the OS keychain is not available (${action}): ${detail}`, {
    cause,
    hint:
      process.platform === 'linux'
        ? 'jit needs a running, unlocked Secret Service (gnome-keyring or KeePassXC) on the session D-Bus; check that DBUS_SESSION_BUS_ADDRESS is set and the keyring is unlocked'
        : 'unlock the login keychain and try again',
  });
}
