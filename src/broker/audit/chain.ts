// The hash chain: each event's hash covers its canonical JSON and the previous hash.
import { createHash } from 'node:crypto';
import type { AuditDraft, AuditEvent } from '../records.js';

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
