// Run before commands that touch grants: the broker's sweep (orphans, TTL, due retries) and
// removal of keychain entries whose grant no longer lives.
import type { Backend } from '../backends/backend.js';
import { isGrantId } from '../core/identifiers.js';
import { isLive } from '../core/states.js';
import type { SecretStore } from '../platform/secret-store.js';

export interface CleanupReport {
  ended: string[];
  keychainRemoved: string[];
  /** Set when the keychain could not be reached; the sweep still ran. */
  keychainProblem?: string;
}

export async function cleanUp(backend: Backend, secrets: SecretStore): Promise<CleanupReport> {
  const ended = (await backend.sweep()).map((grant) => grant.id);
  const keychainRemoved: string[] = [];
  try {
    for (const account of await secrets.list()) {
      if (!isGrantId(account)) continue;
      const grant = await backend.grant(account);
      // SECURITY: a credential outlives its grant only until the next jit run.
      if (!grant || !isLive(grant.state)) {
        await secrets.delete(account);
        keychainRemoved.push(account);
      }
    }
  } catch (error) {
    return { ended, keychainRemoved, keychainProblem: (error as Error).message };
  }
  return { ended, keychainRemoved };
}
