// `jit audit export`: the chain as JSON Lines for a SIEM — the public key, then each event followed by
// the checkpoint signed over it — and the check of such an export against the chain it came from.
import type { PublicJwk } from './audit-key.js';
import { verifierOf } from './audit-key.js';
import { GENESIS_HASH } from './chain.js';
import { openCheckpoint } from './checkpoint.js';
import { checkLinks, sameHash } from './verify.js';
import type { AuditEvent, Checkpoint } from '../records.js';

export interface AuditExport {
  /** The key that verifies the checkpoints (null when the chain has not begun). */
  key: PublicJwk | null;
  events: AuditEvent[];
  checkpoints: Checkpoint[];
}

export type ExportLine = { kind: 'key'; jwk: PublicJwk } | ({ kind: 'event' } & AuditEvent) | ({ kind: 'checkpoint' } & Checkpoint);

export function exportLines(exported: AuditExport): string[] {
  const bySeq = new Map(exported.checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint]));
  const lines: ExportLine[] = exported.key ? [{ kind: 'key', jwk: exported.key }] : [];
  for (const event of exported.events) {
    lines.push({ kind: 'event', ...event });
    const checkpoint = bySeq.get(event.seq);
    if (checkpoint) lines.push({ kind: 'checkpoint', ...checkpoint });
  }
  return lines.map((line) => JSON.stringify(line));
}

/** Reads an export back; a malformed line is reported with its number. */
export function parseExport(text: string): AuditExport | { error: string } {
  const parsed: AuditExport = { key: null, events: [], checkpoints: [] };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!.trim();
    if (raw === '') continue;
    let line: ExportLine;
    try {
      line = JSON.parse(raw) as ExportLine;
    } catch {
      return { error: `line ${index + 1} is not JSON` };
    }
    if (line.kind === 'key' && typeof line.jwk === 'object' && line.jwk !== null) parsed.key = line.jwk;
    else if (line.kind === 'event' && typeof line.seq === 'number' && typeof line.hash === 'string') {
      const { kind: _kind, ...event } = line;
      parsed.events.push(event);
    } else if (line.kind === 'checkpoint' && typeof line.seq === 'number' && typeof line.jws === 'string') {
      parsed.checkpoints.push({ seq: line.seq, hash: String(line.hash), jws: line.jws });
    } else return { error: `line ${index + 1} is not a key, event or checkpoint of a jit audit export` };
  }
  return parsed;
}

/**
 * Checks an earlier export against the chain now: the export is whole (linked, hashed, its checkpoints
 * signed by the chain's key), and the chain still holds every exported event, unchanged.
 */
export function compareExport(exported: AuditExport, chain: AuditEvent[], chainKey: PublicJwk | null): { ok: true; events: number } | { ok: false; seq: number; problem: string } {
  const first = exported.events[0];
  if (!first) return { ok: true, events: 0 };
  if (!exported.key || !chainKey || exported.key.kid !== chainKey.kid) {
    return { ok: false, seq: first.seq, problem: 'the export was not signed with this chain\'s audit key' };
  }
  const previous = first.seq === 1 ? GENESIS_HASH : chain[first.seq - 2]?.hash;
  if (previous === undefined) return { ok: false, seq: first.seq - 1, problem: `the chain no longer holds event ${first.seq - 1}, which the export continues (truncated)` };
  const broken = checkLinks(exported.events, first.seq, previous);
  if (broken) return { ok: false, seq: broken.seq, problem: `in the export: ${broken.problem}` };
  const verifier = verifierOf(chainKey);
  for (const checkpoint of exported.checkpoints) {
    const signed = openCheckpoint(checkpoint.jws, verifier);
    const event = exported.events[checkpoint.seq - first.seq];
    if (!signed || !event || signed.seq !== event.seq || !sameHash(signed.hash, event.hash)) {
      return { ok: false, seq: checkpoint.seq, problem: 'in the export: a checkpoint does not verify with the audit key' };
    }
  }
  for (const event of exported.events) {
    const held = chain[event.seq - 1];
    if (!held) return { ok: false, seq: event.seq, problem: `the chain ends at ${chain.length} but the export holds event ${event.seq} (truncated since the export)` };
    if (!sameHash(held.hash, event.hash)) return { ok: false, seq: event.seq, problem: 'the chain differs from the export here (rewritten since the export)' };
  }
  return { ok: true, events: exported.events.length };
}
