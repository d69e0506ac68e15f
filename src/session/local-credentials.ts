// The credentials of live grants on this machine: in the keychain while the grant lives, gone after.
//
// Listing the keychain costs a D-Bus round trip on every command, so it happens only when an entry
// can have outlived its grant: the sweep just ended a grant (its owner died before clearing it), or
// an earlier removal failed and left a marker file. Removal comes before revocation, so a crash in
// between leaves a live grant for the sweep, never a stray credential nobody will look for.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backends/backend.js';
import { isGrantId } from '../core/identifiers.js';
import { isLive } from '../core/states.js';
import { writePrivateFile } from '../platform/paths.js';
import type { SecretStore } from '../platform/secret-store.js';

const MARKER = 'keychain-cleanup-pending';

export class LocalCredentials {
  constructor(
    private readonly secrets: SecretStore,
    private readonly stateDir: string,
  ) {}

  put(grantId: string, credential: Record<string, string>): Promise<void> {
    return this.secrets.set(grantId, JSON.stringify(credential));
  }

  /** Removes a grant's credential; if the keychain fails, marks the clean-up for the next run and rethrows. */
  async remove(grantId: string): Promise<void> {
    try {
      await this.secrets.delete(grantId);
    } catch (error) {
      writePrivateFile(join(this.stateDir, MARKER), `${grantId}\n`);
      throw error;
    }
  }

  /** Removes every credential whose grant no longer lives, when one can exist; returns the removed ids. */
  async reconcile(backend: Backend, grantsJustEnded: number): Promise<string[]> {
    const marker = join(this.stateDir, MARKER);
    if (grantsJustEnded === 0 && !existsSync(marker)) return [];
    const removed: string[] = [];
    for (const account of await this.secrets.list()) {
      if (!isGrantId(account)) continue;
      const grant = await backend.grant(account);
      // SECURITY: only this broker's own ended grants are removed; entries of another state dir are not ours to judge.
      if (grant && !isLive(grant.state)) {
        await this.secrets.delete(account);
        removed.push(account);
      }
    }
    rmSync(marker, { force: true });
    return removed;
  }
}
