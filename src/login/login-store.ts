// The operator's login for a team broker: its tokens in the OS keychain (never a file), refreshed
// silently when the access token is about to expire, by one jit at a time.
import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { JitError } from '../core/errors.js';
import type { SecretStore } from '../platform/secret-store.js';
import { discover, refresh, type LoginSettings, type TokenSet } from './provider.js';

export interface StoredLogin {
  /** The broker these tokens are for (its origin). */
  broker: string;
  settings: LoginSettings;
  tokens: TokenSet;
}

/** The keychain account: one login per OS account, for the broker config.yaml names. */
export const LOGIN_ACCOUNT = 'login';
/** An access token with less left than this is refreshed first: it must outlive the call it goes with. */
const REFRESH_MARGIN_SECONDS = 60;
const LOCK_FILE = 'login.lock';
const LOCK_WAIT_MS = 10_000;
/** A lock older than this was left by a jit that died while refreshing. */
const STALE_LOCK_MS = 30_000;

function notLoggedIn(broker: string): JitError {
  return new JitError('unauthenticated', `you are not logged in to the broker at ${broker}`, { hint: 'run `jit login`' });
}

export class LoginStore {
  readonly #secrets: SecretStore;
  readonly #stateDir: string;

  constructor(secrets: SecretStore, stateDir: string) {
    this.#secrets = secrets;
    this.#stateDir = stateDir;
  }

  /** The login for `broker`, if there is one; a login for another broker does not count. */
  async load(broker: string): Promise<StoredLogin | undefined> {
    const text = await this.#secrets.get(LOGIN_ACCOUNT);
    if (!text) return undefined;
    try {
      const stored = JSON.parse(text) as StoredLogin;
      return stored.broker === broker && typeof stored.tokens?.accessToken === 'string' ? stored : undefined;
    } catch {
      return undefined;
    }
  }

  async save(login: StoredLogin): Promise<void> {
    await this.#secrets.set(LOGIN_ACCOUNT, JSON.stringify(login));
  }

  async remove(): Promise<boolean> {
    return this.#secrets.delete(LOGIN_ACCOUNT);
  }

  /** A bearer token for `broker` with time left, refreshed first when it has little. */
  async accessToken(broker: string, now: () => number = Date.now): Promise<string> {
    const login = await this.load(broker);
    if (!login) throw notLoggedIn(broker);
    if (login.tokens.expiresAt - now() / 1000 > REFRESH_MARGIN_SECONDS) return login.tokens.accessToken;
    // SECURITY: providers rotate refresh tokens and may revoke the whole login when one is used twice,
    // so two jit runs never refresh at once: the second finds the first's fresh token.
    return this.#withLock(async () => {
      const current = (await this.load(broker)) ?? login;
      if (current.tokens.expiresAt - now() / 1000 > REFRESH_MARGIN_SECONDS) return current.tokens.accessToken;
      const tokens = await refresh(current.settings, await discover(current.settings.issuer), current.tokens, now);
      await this.save({ ...current, tokens });
      return tokens.accessToken;
    });
  }

  async #withLock<T>(work: () => Promise<T>): Promise<T> {
    const path = join(this.#stateDir, LOCK_FILE);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        closeSync(openSync(path, 'wx', 0o600));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > STALE_LOCK_MS) removeLock(path);
        else if (Date.now() > deadline) throw new JitError('unavailable', 'another jit has been refreshing your login for too long', { hint: `try again; if it persists, remove ${path}` });
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    try {
      return await work();
    } finally {
      removeLock(path);
    }
  }
}

function removeLock(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Another jit removed it first.
  }
}
