// Where an issuer's own secret (an admin connection, a CA key) comes from: a policy names it, never
// holds it. `env:NAME` is a variable of the broker's environment (a systemd credential, a secrets
// manager's injection); `file:/path` a file only the broker's account may read; `keychain:NAME` an entry
// `jit secret set NAME` put in the OS keychain, for the embedded broker (kept out of its environment,
// which a session of the same account could read in /proc).
import { JitError } from '../../core/errors.js';
import { readSecretFile } from '../../platform/paths.js';
import type { SecretStore } from '../../platform/secret-store.js';

/** Far above a connection string or a key; it bounds what reading a misnamed file costs. */
const MAX_SECRET_BYTES = 64 * 1024;

export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const SECRET_REFERENCE = /^(env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:\/[^\0]{1,4095}|keychain:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/;

/** The keychain account of a named issuer secret: never a grant id, so the clean-up of credentials leaves it alone. */
export function issuerSecretAccount(name: string): string {
  return `issuer-secret:${name}`;
}

/** The variable an `env:NAME` reference reads, as a one-element list; undefined for a file or the keychain. */
export function envNameOf(reference: string): [string] | undefined {
  return reference.startsWith('env:') ? [reference.slice(4)] : undefined;
}

export interface SecretSources {
  env: NodeJS.ProcessEnv;
  /** The OS keychain; absent for a served broker, which reads env: and file: only. */
  secrets?: SecretStore | undefined;
}

/** The secret a reference names; a clear configuration error (78) when it cannot be had. */
export async function readSecretReference(reference: string, sources: SecretSources): Promise<string> {
  if (!SECRET_REFERENCE.test(reference)) {
    throw new JitError('config', `the issuer's secret reference is neither env:NAME, file:/PATH nor keychain:NAME`, { hint: 'fix the issuer in the policy' });
  }
  if (reference.startsWith('env:')) {
    const name = reference.slice(4);
    const value = sources.env[name];
    if (!value) {
      throw new JitError('config', `${name} is not set in the broker's environment`, {
        hint: `export ${name} where jit runs (for jit serve, in its unit's Environment=); embedded, keychain: (jit secret set) keeps it out of the environment`,
      });
    }
    return value;
  }
  if (reference.startsWith('keychain:')) {
    const name = reference.slice(9);
    if (!sources.secrets) throw new JitError('config', `${reference}: a team broker reads its secrets from env: or file:, not the keychain`, { hint: 'use file: with the unit’s LoadCredential=, or env:' });
    const value = await sources.secrets.get(issuerSecretAccount(name));
    if (!value) throw new JitError('config', `there is no secret ${name} in the keychain`, { hint: `store it with: jit secret set ${name}` });
    return value;
  }
  const path = reference.slice(5);
  // SECURITY: a secret other users can read is no longer one; the file is refused, not used.
  const text = readSecretFile(path, MAX_SECRET_BYTES);
  if (text === undefined) throw new JitError('config', `${path} does not exist`, { hint: `write the secret to ${path} (mode 0600, owned by the broker's account)` });
  const value = text.trim();
  if (!value) throw new JitError('config', `${path} is empty`, { hint: `write the secret to ${path}` });
  return value;
}
