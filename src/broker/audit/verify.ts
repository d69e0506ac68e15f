// Proves the audit chain: sequence, links, hashes, every signed checkpoint, a checkpoint over the
// head, and the anchor kept outside the database.
import { timingSafeEqual } from 'node:crypto';
import type { AnchorReading } from './anchor.js';
import type { AuditVerifier } from './audit-key.js';
import { GENESIS_HASH, eventHash } from './chain.js';
import { openCheckpoint } from './checkpoint.js';
import type { AuditEvent, Checkpoint } from '../records.js';

export type ChainVerdict =
  | { ok: true; events: number; checkpoints: number; head: string }
  | { ok: false; seq: number; problem: string; events: number; checkpoints: number };

export interface ChainEvidence {
  events: AuditEvent[];
  checkpoints: Checkpoint[];
  verifier: AuditVerifier | undefined;
  anchor: AnchorReading;
  anchorRequired: boolean;
}

export function sameHash(a: string, b: string): boolean {
  // SECURITY: constant time, so a forger learns nothing from how long a comparison took.
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Checks that events follow each other from `prevHash` on and each matches its hash; the first bad one, if any. */
export function checkLinks(events: AuditEvent[], firstSeq: number, prevHash: string): { seq: number; problem: string } | undefined {
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    const expectedSeq = firstSeq + index;
    if (event.seq !== expectedSeq) return { seq: expectedSeq, problem: `event ${expectedSeq} is missing (the next one present is ${event.seq})` };
    if (!sameHash(event.prevHash, prevHash)) return { seq: event.seq, problem: 'it does not follow the event before it (removed, inserted or reordered)' };
    const { hash, ...unsealed } = event;
    if (!sameHash(eventHash(unsealed), hash)) return { seq: event.seq, problem: 'its content does not match its hash (edited)' };
    prevHash = hash;
  }
  return undefined;
}

export function verifyChain(evidence: ChainEvidence): ChainVerdict {
  const { events, checkpoints, verifier, anchor } = evidence;
  const counts = { events: events.length, checkpoints: checkpoints.length };
  const fail = (seq: number, problem: string): ChainVerdict => ({ ok: false, seq, problem, ...counts });
  const broken = checkLinks(events, 1, GENESIS_HASH);
  if (broken) return fail(broken.seq, broken.problem);
  const head = events.at(-1);

  if (head && !verifier) return fail(1, 'there is no audit key to verify the signed checkpoints with');
  const signedAt = (checkpoint: Checkpoint, what: string): { seq: number; problem: string } | undefined => {
    const signed = verifier && openCheckpoint(checkpoint.jws, verifier);
    if (!signed || signed.seq !== checkpoint.seq || !sameHash(signed.hash, checkpoint.hash)) {
      return { seq: checkpoint.seq, problem: `the ${what} signed at this event does not verify with the audit key` };
    }
    const actual = events[signed.seq - 1];
    if (!actual) return { seq: events.length + 1, problem: `the chain ends at ${events.length} but the signed ${what} vouches for event ${signed.seq} (truncated)` };
    if (!sameHash(actual.hash, signed.hash)) return { seq: signed.seq, problem: `the chain up to here differs from what the ${what} signed (rewritten)` };
    return undefined;
  };
  let anchorRequired = evidence.anchorRequired;
  for (const checkpoint of checkpoints) {
    const problem = signedAt(checkpoint, 'checkpoint');
    if (problem) return fail(problem.seq, problem.problem);
    // A signed word that the store keeps an anchor: its absence is then proof of removal.
    if (verifier && openCheckpoint(checkpoint.jws, verifier)?.anchored) anchorRequired = true;
  }
  if (head) {
    // Events and their checkpoint are written in one transaction: a tail without one was added without the key.
    const last = checkpoints.at(-1);
    if (!last) return fail(1, 'the chain has no signed checkpoint at all (written or rewritten without the audit key)');
    if (last.seq !== head.seq) {
      return fail(last.seq + 1, `events ${last.seq + 1}–${head.seq} come after the last signed checkpoint (${last.seq}): they were appended without the audit key`);
    }
  }
  if (anchor.kind === 'unreadable') return fail(events.length + 1, 'the anchor file outside the database is unreadable');
  if (anchor.kind === 'absent' && anchorRequired) return fail(events.length + 1, 'the anchor file outside the database is missing (removed)');
  if (anchor.kind === 'present') {
    const problem = signedAt(anchor.checkpoint, 'anchor outside the database');
    if (problem) return fail(problem.seq, problem.problem);
  }
  return { ok: true, head: head?.hash ?? GENESIS_HASH, ...counts };
}
