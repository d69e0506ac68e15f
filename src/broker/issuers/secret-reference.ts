// Where an issuer's own secret (an admin connection, a CA key) comes from: a policy names it, never
// holds it. `env:NAME` is a variable of the broker's environment (a systemd credential, a secrets
// manager's injection); `file:/path` a file only the broker's account may read.
import { JitError } from '../../core/errors.js';
import { readSecretFile } from '../../platform/paths.js';

/** Far above a connection string or a key; it bounds what reading a misnamed file costs. */
const MAX_SECRET_BYTES = 64 * 1024;

export const SECRET_REFERENCE = /^(env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:\/[^\0]{1,4095})$/;

/** The variable an `env:NAME` reference reads, as a one-element list; undefined for a file. */
export function envNameOf(reference: string): [string] | undefined {
  return reference.startsWith('env:') ? [reference.slice(4)] : undefined;
}

/** The secret a reference names; a clear configuration error (78) when it cannot be had. */
export function readSecretReference(reference: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!SECRET_REFERENCE.test(reference)) {
    throw new JitError('config', `the issuer's secret reference is neither env:NAME nor file:/PATH`, { hint: 'fix the issuer in the policy' });
  }
  if (reference.startsWith('env:')) {
    const name = reference.slice(4);
    const value = env[name];
    if (!value) throw new JitError('config', `${name} is not set in the broker's environment`, { hint: `set ${name} for the broker (for jit serve, in its unit's environment or credentials)` });
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
