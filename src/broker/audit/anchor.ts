// The anchor: the latest signed checkpoint, kept outside the database as well, so that a database
// cut back behind it (events and checkpoints deleted together, an old copy restored) is caught.
// It is only ever moved forward, under the store's write lock; it may lag the chain, never lead it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateFileExists, writePrivateFile } from '../../platform/paths.js';
import type { Checkpoint } from '../records.js';

export const AUDIT_ANCHOR_FILE = 'audit-anchor.json';

export type AnchorReading = { kind: 'absent' } | { kind: 'unreadable' } | { kind: 'present'; checkpoint: Checkpoint };

export function anchorPath(stateDir: string): string {
  return join(stateDir, AUDIT_ANCHOR_FILE);
}

export function readAnchor(stateDir: string): AnchorReading {
  const path = anchorPath(stateDir);
  if (!privateFileExists(path)) return { kind: 'absent' };
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Checkpoint>;
    if (typeof value.seq === 'number' && typeof value.hash === 'string' && typeof value.jws === 'string') {
      return { kind: 'present', checkpoint: { seq: value.seq, hash: value.hash, jws: value.jws } };
    }
  } catch {
    // Reported as unreadable below.
  }
  return { kind: 'unreadable' };
}

/** Moves the anchor to this checkpoint unless it already stands at or past it. Call under the write lock. */
export function advanceAnchor(stateDir: string, checkpoint: Checkpoint): void {
  const current = readAnchor(stateDir);
  if (current.kind === 'present' && current.checkpoint.seq >= checkpoint.seq) return;
  writePrivateFile(anchorPath(stateDir), `${JSON.stringify(checkpoint)}\n`);
}
