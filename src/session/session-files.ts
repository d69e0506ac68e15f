// One small file per session this machine runs (`sessions/<grant>.json` in the state dir), from just
// after issuance until its credential is confirmed gone from the keychain. A file whose owner is dead
// marks work a later run must finish: stray processes to end, a keychain entry to remove.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isGrantId } from '../core/identifiers.js';
import { ensurePrivateDir, lstatOrUndefined, ownershipProblem, privateFileExists, writePrivateFile } from '../platform/paths.js';
import type { ContainmentRecord } from './containment.js';

export interface LocalSession extends ContainmentRecord {
  ownerPid: number;
  ownerStartTime: string | null;
}

export class SessionFiles {
  readonly #dir: string;

  constructor(stateDir: string) {
    this.#dir = join(stateDir, 'sessions');
  }

  write(session: LocalSession): void {
    writePrivateFile(join(ensurePrivateDir(this.#dir), `${session.grantId}.json`), JSON.stringify(session));
  }

  remove(grantId: string): void {
    rmSync(this.endFile(grantId), { force: true });
    rmSync(join(this.#dir, `${grantId}.json`), { force: true });
  }

  /**
   * Where the session's end is written when a renewal moves it (Unix seconds, one line): the shell's
   * prompt hook reads it with a builtin (`JIT_EXPIRES_FILE`), so the end it shows follows without a process.
   */
  endFile(grantId: string): string {
    return join(this.#dir, `${grantId}.end`);
  }

  /** Replaces the end file at once (renamed into place), so a prompt never reads half a number. */
  writeEnd(grantId: string, expiresAtSeconds: number): void {
    ensurePrivateDir(this.#dir);
    writePrivateFile(this.endFile(grantId), `${expiresAtSeconds}\n`);
  }

  /** Every session file; a malformed one is skipped (and left for a person to look at). */
  list(): LocalSession[] {
    // SECURITY: these files make a later run end processes: a symlinked or foreign directory is refused, and
    // a file that is a link or not the user's own is skipped, as everywhere in the state dir.
    const stats = lstatOrUndefined(this.#dir);
    if (!stats) return [];
    const problem = ownershipProblem(this.#dir, stats, 'directory');
    if (problem) throw problem;
    const sessions: LocalSession[] = [];
    for (const name of readdirSync(this.#dir)) {
      if (!name.endsWith('.json') || !isGrantId(name.slice(0, -5))) continue;
      try {
        if (!privateFileExists(join(this.#dir, name))) continue;
        const session = JSON.parse(readFileSync(join(this.#dir, name), 'utf8')) as LocalSession;
        if (session.grantId === name.slice(0, -5) && Number.isInteger(session.ownerPid)) sessions.push(session);
      } catch {
        // Not ours to interpret.
      }
    }
    return sessions;
  }
}
