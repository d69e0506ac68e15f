// The credentials of live grants on this machine: in the keychain while the grant lives, gone after.
//
// A session file is written before the credential goes into the keychain and removed only once it is
// confirmed gone, so a jit killed in between (or a keychain that cannot be reached then) leaves a mark
// the next run acts on: it ends the session's stray processes and removes the keychain entry, quietly
// retrying on later runs while the keychain stays out of reach. Runs without such a mark never touch
// the keychain.
import type { Backend } from '../backends/backend.js';
import { isGrantId } from '../core/identifiers.js';
import { isLive } from '../core/states.js';
import { isProcessAlive } from '../platform/process-identity.js';
import type { SecretStore } from '../platform/secret-store.js';
import { endSurvivors, removeStaleContainments } from './containment.js';
import { SessionFiles, type LocalSession } from './session-files.js';

/** How long strays of a dead session get after their hang-up, before SIGKILL. */
const ORPHAN_GRACE_MS = 1000;

export interface Recovery {
  /** Stray processes of dead sessions that were ended, per grant. */
  ended: { grantId: string; processes: number }[];
  /** Grants whose keychain entry is still to be removed. */
  pending: string[];
}

export class LocalCredentials {
  readonly #secrets: SecretStore;
  readonly #sessions: SessionFiles;

  constructor(secrets: SecretStore, stateDir: string) {
    this.#secrets = secrets;
    this.#sessions = new SessionFiles(stateDir);
  }

  /** Records the session, then stores its credential. SECURITY: while the grant lives, only in the keychain. */
  async put(session: LocalSession, credential: Record<string, string>): Promise<void> {
    this.#sessions.write(session);
    await this.#secrets.set(session.grantId, JSON.stringify(credential));
  }

  /** Notes where the session's processes are, for a later run if this one is killed. */
  contained(session: LocalSession): void {
    this.#sessions.write(session);
  }

  /** The file a session's shell reads its moved end from (see session-files.ts). */
  endFile(grantId: string): string {
    return this.#sessions.endFile(grantId);
  }

  /** A renewal moved the session's end: written for its shell's prompt. */
  moveEnd(grantId: string, expiresAtSeconds: number): void {
    this.#sessions.writeEnd(grantId, expiresAtSeconds);
  }

  /** Removes the credential; the session's mark goes only once that succeeded. */
  async remove(grantId: string): Promise<void> {
    await this.#secrets.delete(grantId);
    this.#sessions.remove(grantId);
  }

  /** Drops the mark of a session whose credential never reached the keychain. */
  forget(grantId: string): void {
    this.#sessions.remove(grantId);
  }

  /** Sessions whose jit is gone but whose clean-up is not finished. */
  orphans(): LocalSession[] {
    return this.#sessions.list().filter((session) => !isProcessAlive({ pid: session.ownerPid, startTime: session.ownerStartTime }));
  }

  /**
   * Finishes what dead sessions left: their processes, their audit, their keychain entries. When this
   * run's sweep ended grants, the keychain is also listed: an entry whose session file went missing is
   * found by its grant instead.
   */
  async recover(backend: Backend, sweptGrants = 0): Promise<Recovery> {
    const recovery: Recovery = { ended: [], pending: [] };
    const orphans = this.orphans();
    removeStaleContainments();
    for (const session of orphans) {
      const grant = await backend.grant(session.grantId);
      // SECURITY: the broker's record of the owner decides, not the file: a stale or forged file naming
      // a session whose jit is alive must not end that session or take its credential.
      if (grant && isLive(grant.state) && isProcessAlive({ pid: grant.owner.pid, startTime: grant.owner.startTime })) continue;
      const report = await endSurvivors(session, [], ORPHAN_GRACE_MS);
      if (report.found > 0) {
        recovery.ended.push({ grantId: session.grantId, processes: report.found - report.remaining.length });
        if (grant) await backend.recordSession(grant.id, 'session.survivors', { containment: report.containment, found: report.found, remaining: report.remaining.length, by: 'next run' });
      }
      try {
        await this.remove(session.grantId);
      } catch {
        // The keychain is out of reach now: retried by the next run, shown by `jit status` and `jit doctor`.
        recovery.pending.push(session.grantId);
      }
    }
    if (sweptGrants > 0 || orphans.length > 0) await this.#removeEntriesOfEndedGrants(backend, recovery.pending);
    return recovery;
  }

  async #removeEntriesOfEndedGrants(backend: Backend, pending: string[]): Promise<void> {
    try {
      for (const account of await this.#secrets.list()) {
        if (!isGrantId(account) || pending.includes(account)) continue;
        const grant = await backend.grant(account);
        // SECURITY: only this broker's own ended grants; an entry of another state dir is not ours to judge.
        if (grant && !isLive(grant.state)) await this.#secrets.delete(account);
      }
    } catch {
      // Out of reach: the next run that sweeps something looks again; `jit doctor` lists what is left.
    }
  }
}
