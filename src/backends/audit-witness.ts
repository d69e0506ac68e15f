// A team broker's audit, proven from the workstation: the whole chain's events and signed checkpoints
// as the broker publishes them (GET /v1/audit), checked with its public audit key. The first check pins
// that key and the head it saw; every later one requires the same key and that head still in place. So
// a requester checks the broker too: a rewrite of anything this workstation has seen, a swapped key or
// a truncated chain is reported, whoever runs the broker.
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { PublicJwk } from '../broker/audit/audit-key.js';
import { verifierOf } from '../broker/audit/audit-key.js';
import { GENESIS_HASH } from '../broker/audit/chain.js';
import { openCheckpoint } from '../broker/audit/checkpoint.js';
import type { ChainVerdict } from '../broker/audit/verify.js';
import { checkLinks, sameHash } from '../broker/audit/verify.js';
import type { AuditEvent, Checkpoint } from '../broker/records.js';
import { JitError } from '../core/errors.js';
import { readTrustedFile, writePrivateFile } from '../platform/paths.js';

/** One page of GET /v1/audit. */
export interface AuditPage {
  key: PublicJwk | null;
  events: AuditEvent[];
  checkpoints: Checkpoint[];
  head: { seq: number; hash: string } | null;
  more: boolean;
}

/** What this workstation has seen of a broker's chain: the key and the last head it proved. */
export interface Witness {
  broker: string;
  key: PublicJwk;
  seq: number;
  hash: string;
  checkedAt: string;
}

/** Where the witness of one broker is kept, in the private state dir. */
export function witnessPath(stateDir: string, brokerUrl: string): string {
  return join(stateDir, `audit-witness-${createHash('sha256').update(brokerUrl).digest('hex').slice(0, 16)}.json`);
}

export function readWitness(path: string, brokerUrl: string): Witness | undefined {
  const text = readTrustedFile(path, 16 * 1024);
  if (text === undefined) return undefined;
  let witness: Witness;
  try {
    witness = JSON.parse(text) as Witness;
  } catch {
    witness = {} as Witness;
  }
  if (typeof witness.seq !== 'number' || typeof witness.hash !== 'string' || typeof witness.key?.x !== 'string') {
    throw new JitError('os', `${path}, what this workstation saw of the broker's audit, is damaged`, { hint: `look into why; remove it to check the broker's audit from its first event again` });
  }
  return witness.broker === brokerUrl ? witness : undefined;
}

/** Keeps the newer of this witness and the one on disk: two checks at once never move it back. */
export function writeWitness(path: string, witness: Witness): void {
  const current = readWitness(path, witness.broker);
  if (current && current.seq > witness.seq) return;
  writePrivateFile(path, `${JSON.stringify(witness)}\n`);
}

/** Pages of the chain after `afterSeq`, fetched until the broker says there is no more (bounded). */
export async function fetchChain(fetchPage: (afterSeq: number) => Promise<AuditPage>, afterSeq: number): Promise<Omit<AuditPage, 'more'>> {
  const chain: Omit<AuditPage, 'more'> = { key: null, events: [], checkpoints: [], head: null };
  let after = afterSeq;
  // A million events in pages of thousands: a broker that never says "no more" cannot keep us here.
  for (let page = 0; page < 1000; page++) {
    const answer = await fetchPage(after);
    chain.key = answer.key;
    chain.head = answer.head;
    chain.events.push(...answer.events);
    chain.checkpoints.push(...answer.checkpoints);
    const last = answer.events.at(-1);
    if (!answer.more || !last) break;
    after = last.seq;
  }
  return chain;
}

const sameKey = (a: PublicJwk, b: PublicJwk) => a.kid === b.kid && a.x === b.x && a.y === b.y && a.crv === b.crv;

/**
 * Proves the whole chain the broker published, from its first event: links, hashes, every checkpoint, a
 * checkpoint over the head. With a witness, also the same key, and the event it saw still in place.
 * Returns the new witness when it holds.
 */
export function verifyPublished(chain: Omit<AuditPage, 'more'>, witness: Witness | undefined, brokerUrl: string, now: Date): { verdict: ChainVerdict; witness?: Witness } {
  const counts = { events: chain.events.length, checkpoints: chain.checkpoints.length };
  const fail = (seq: number, problem: string) => ({ verdict: { ok: false as const, seq, problem, ...counts } });
  const seen = witness ? ` when this workstation checked it on ${witness.checkedAt}` : '';
  const head = chain.head;
  if (!head) return witness ? fail(1, `the broker shows no audit at all, but it held ${witness.seq} events${seen} (truncated or replaced)`) : { verdict: { ok: true, events: 0, checkpoints: 0, head: GENESIS_HASH } };
  if (!chain.key) return fail(1, 'the broker publishes events but no audit key to verify them with');
  if (witness && !sameKey(chain.key, witness.key)) return fail(witness.seq, `the broker's audit key is not the one it had${seen} (replaced)`);
  const broken = checkLinks(chain.events, 1, GENESIS_HASH);
  if (broken) return fail(broken.seq, broken.problem);
  const last = chain.events.at(-1);
  if (!last || last.seq !== head.seq || !sameHash(last.hash, head.hash)) return fail(last?.seq ?? 1, 'the events published do not end at the head the broker names');
  if (witness) {
    const held = chain.events[witness.seq - 1];
    if (!held) return fail(head.seq + 1, `the chain ends at ${head.seq}, but it held ${witness.seq} events${seen} (truncated)`);
    if (!sameHash(held.hash, witness.hash)) return fail(witness.seq, `the chain up to event ${witness.seq} differs from the one this workstation saw (rewritten)`);
  }
  const verifier = verifierOf(chain.key);
  for (const checkpoint of chain.checkpoints) {
    const signed = openCheckpoint(checkpoint.jws, verifier);
    const event = chain.events[checkpoint.seq - 1];
    if (!signed || !event || signed.seq !== event.seq || !sameHash(signed.hash, event.hash)) {
      return fail(checkpoint.seq, 'a checkpoint does not verify with the audit key (forged or rewritten)');
    }
  }
  // Events and their checkpoint are committed together: a head without one was appended without the key.
  if (chain.checkpoints.at(-1)?.seq !== head.seq) return fail(head.seq, 'the head of the chain has no signed checkpoint (appended without the audit key)');
  return {
    verdict: { ok: true, events: head.seq, checkpoints: chain.checkpoints.length, head: head.hash },
    witness: { broker: brokerUrl, key: chain.key, seq: head.seq, hash: head.hash, checkedAt: now.toISOString() },
  };
}
