// Signed checkpoints: a JWS over the head of the chain, so truncation behind it is provable.
import { CompactSign, compactVerify } from 'jose';
import type { SigningKey } from '../keys.js';
import type { AuditEvent, Checkpoint } from '../records.js';

const encoder = new TextEncoder();

export async function signCheckpoint(head: AuditEvent, key: SigningKey): Promise<Checkpoint> {
  const payload = encoder.encode(JSON.stringify({ seq: head.seq, hash: head.hash, at: head.at }));
  const jws = await new CompactSign(payload).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'jit-audit-checkpoint' }).sign(key.privateKey);
  return { seq: head.seq, hash: head.hash, jws };
}

/** Returns the signed {seq, hash} or undefined when the signature does not verify with our key. */
export async function openCheckpoint(checkpoint: Checkpoint, key: SigningKey): Promise<{ seq: number; hash: string } | undefined> {
  try {
    const { payload } = await compactVerify(checkpoint.jws, await key.publicKey(), { algorithms: ['ES256'] });
    const signed = JSON.parse(new TextDecoder().decode(payload)) as { seq: number; hash: string };
    return typeof signed.seq === 'number' && typeof signed.hash === 'string' ? signed : undefined;
  } catch {
    return undefined;
  }
}
