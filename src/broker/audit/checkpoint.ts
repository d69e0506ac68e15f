// Signed checkpoints: a compact JWS (ES256) over the head of the chain, so truncation or rewriting
// behind it is provable.
import type { AuditSigner, AuditVerifier } from './audit-key.js';
import type { AuditEvent, Checkpoint } from '../records.js';

const HEADER_TYPE = 'jit-audit-checkpoint';

/**
 * `anchored`: the store also keeps the latest checkpoint outside itself. It is signed, so deleting
 * the anchor together with whatever records that there was one still leaves the signed word that there was.
 */
export function signCheckpoint(head: Pick<AuditEvent, 'seq' | 'hash' | 'at'>, key: AuditSigner, anchored: boolean): Checkpoint {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: key.kid, typ: HEADER_TYPE })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ seq: head.seq, hash: head.hash, at: head.at, ...(anchored ? { anchored: true } : {}) })).toString('base64url');
  const input = `${header}.${payload}`;
  return { seq: head.seq, hash: head.hash, jws: `${input}.${key.sign(input).toString('base64url')}` };
}

/** The signed {seq, hash}, or undefined when the JWS is malformed or does not verify with this key. */
export function openCheckpoint(jws: string, key: AuditVerifier): { seq: number; hash: string; anchored: boolean } | undefined {
  try {
    const [header, payload, signature, ...rest] = jws.split('.');
    if (header === undefined || payload === undefined || signature === undefined || rest.length) return undefined;
    const { alg, kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
    // SECURITY: the algorithm is fixed; a header cannot talk the verifier into another one (or none).
    if (alg !== 'ES256' || kid !== key.kid) return undefined;
    if (!key.verify(`${header}.${payload}`, Buffer.from(signature, 'base64url'))) return undefined;
    const signed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { seq?: unknown; hash?: unknown; anchored?: unknown };
    return typeof signed.seq === 'number' && typeof signed.hash === 'string' ? { seq: signed.seq, hash: signed.hash, anchored: signed.anchored === true } : undefined;
  } catch {
    return undefined;
  }
}
