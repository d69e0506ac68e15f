// The hash chain: each event's hash covers its canonical JSON and the previous hash.
import { createHash } from 'node:crypto';
import type { AuditDraft, AuditEvent, Checkpoint } from '../records.js';
import type { AuditSigner } from './audit-key.js';
import { signCheckpoint } from './checkpoint.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with sorted keys and no undefined values, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function eventHash(event: Omit<AuditEvent, 'hash'>): string {
  const { prevHash, ...body } = event;
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(body)).digest('hex');
}

export function sealEvent(draft: AuditDraft, seq: number, at: Date, prevHash: string): AuditEvent {
  const unsealed: Omit<AuditEvent, 'hash'> = {
    seq,
    at: at.toISOString(),
    type: draft.type,
    actor: draft.actor,
    requestId: draft.requestId ?? null,
    grantId: draft.grantId ?? null,
    ticket: draft.ticket ?? null,
    role: draft.role ?? null,
    data: draft.data ?? {},
    prevHash,
  };
  return { ...unsealed, hash: eventHash(unsealed) };
}

/**
 * Appends drafts to the chain after `head` and signs a checkpoint over the new head. This is the one
 * place the chain grows, whatever the store; the store writes the result in the same transaction as
 * the change it records. Without a signer (the audit key is missing) events are still appended, since
 * losing them would be worse, and `jit audit verify` then reports them as unsigned.
 */
export function sealBatch(
  head: Pick<AuditEvent, 'seq' | 'hash'> | undefined,
  drafts: readonly AuditDraft[],
  at: Date,
  signer: AuditSigner | undefined,
  anchored: boolean,
): { events: AuditEvent[]; checkpoint: Checkpoint | undefined } {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const events = drafts.map((draft) => {
    const event = sealEvent(draft, ++seq, at, prevHash);
    prevHash = event.hash;
    return event;
  });
  const last = events.at(-1);
  return { events, checkpoint: last && signer ? signCheckpoint(last, signer, anchored) : undefined };
}
