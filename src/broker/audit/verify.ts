// Proves the audit chain: sequence, links, hashes and every signed checkpoint.
import { timingSafeEqual } from 'node:crypto';
import type { SigningKey } from '../keys.js';
import type { AuditEvent, Checkpoint } from '../records.js';
import { GENESIS_HASH, eventHash } from './chain.js';
import { openCheckpoint } from './checkpoint.js';

export type ChainVerdict =
  | { ok: true; events: number; checkpoints: number; head: string }
  | { ok: false; seq: number; problem: string; events: number; checkpoints: number };

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export async function verifyChain(events: AuditEvent[], checkpoints: Checkpoint[], key: SigningKey): Promise<ChainVerdict> {
  const counts = { events: events.length, checkpoints: checkpoints.length };
  const hashAt = new Map<number, string>();
  let prevHash = GENESIS_HASH;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    const expectedSeq = index + 1;
    if (event.seq !== expectedSeq) {
      return { ok: false, seq: expectedSeq, problem: `event ${expectedSeq} is missing (the next one present is ${event.seq})`, ...counts };
    }
    if (!sameHash(event.prevHash, prevHash)) {
      return { ok: false, seq: event.seq, problem: 'it does not follow the event before it (removed, inserted or reordered)', ...counts };
    }
    const { hash, ...unsealed } = event;
    if (!sameHash(eventHash(unsealed), hash)) {
      return { ok: false, seq: event.seq, problem: 'its content does not match its hash (edited)', ...counts };
    }
    hashAt.set(event.seq, hash);
    prevHash = hash;
  }
  for (const checkpoint of checkpoints) {
    const signed = await openCheckpoint(checkpoint, key);
    if (!signed || signed.seq !== checkpoint.seq || signed.hash !== checkpoint.hash) {
      return { ok: false, seq: checkpoint.seq, problem: 'the checkpoint signed at this event does not verify with the audit key', ...counts };
    }
    const actual = hashAt.get(signed.seq);
    if (actual === undefined) {
      return { ok: false, seq: events.length + 1, problem: `the chain ends at ${events.length} but a signed checkpoint vouches for event ${signed.seq} (truncated)`, ...counts };
    }
    if (!sameHash(actual, signed.hash)) {
      return { ok: false, seq: signed.seq, problem: 'the chain up to here differs from what was signed (rewritten)', ...counts };
    }
  }
  return { ok: true, head: prevHash, ...counts };
}
