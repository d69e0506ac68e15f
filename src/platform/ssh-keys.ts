// Ed25519 keys in OpenSSH's formats: the one-line public key ("ssh-ed25519 AAAA…"), its wire blob, and
// the unencrypted private key file `ssh-keygen -t ed25519` writes (PROTOCOL.key).
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SshReader, SshWriter } from './ssh-wire.js';

export const ED25519 = 'ssh-ed25519';
const PRIVATE_KEY_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

/** The wire blob of an Ed25519 public key: string "ssh-ed25519", string the 32-byte key. */
export function ed25519Blob(raw: Buffer): Buffer {
  return new SshWriter().string(ED25519).string(raw).toBuffer();
}

/** The 32 raw bytes of an Ed25519 KeyObject (public or private). */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** `ssh-ed25519 AAAA… comment`, as authorized_keys and ssh-add -L show it. */
export function ed25519PublicKeyLine(raw: Buffer, comment = ''): string {
  return `${ED25519} ${ed25519Blob(raw).toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** The 32 raw bytes of a one-line Ed25519 public key; undefined for anything else, however close. */
export function parseEd25519PublicKeyLine(line: string): Buffer | undefined {
  const match = /^ssh-ed25519 ([A-Za-z0-9+/]{68})(?: [\x21-\x7e ]{0,200})?$/.exec(line);
  if (!match) return undefined;
  try {
    const reader = new SshReader(Buffer.from(match[1]!, 'base64'));
    if (reader.text() !== ED25519) return undefined;
    const raw = reader.string();
    return raw.length === 32 && reader.done ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** A private key from the 32-byte seed and its public half. */
export function ed25519PrivateKey(seed: Buffer, raw: Buffer): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: raw.toString('base64url') }, format: 'jwk' });
}

/** The seed (32 bytes) of an Ed25519 private KeyObject. */
export function ed25519Seed(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') throw new Error('not an Ed25519 private key');
  return Buffer.from(jwk.d, 'base64url');
}

/**
 * The key in an unencrypted OpenSSH private key file holding one Ed25519 key. Throws a plain message
 * (no key material) for anything else: another type, a passphrase, a damaged file.
 */
export function readOpenSshEd25519PrivateKey(text: string): { key: KeyObject; raw: Buffer } {
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!match) throw new Error('not an OpenSSH private key file (ssh-keygen -t ed25519 writes one)');
  const bytes = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
  let reader: SshReader;
  try {
    if (!bytes.subarray(0, PRIVATE_KEY_MAGIC.length).equals(PRIVATE_KEY_MAGIC)) throw new Error();
    reader = new SshReader(bytes.subarray(PRIVATE_KEY_MAGIC.length));
    const cipher = reader.text();
    reader.text(); // kdf name
    reader.string(); // kdf options
    if (cipher !== 'none') return fail('the key has a passphrase; jit needs it without one (keep the file private instead)');
    if (reader.uint32() !== 1) return fail('the file holds more than one key');
    reader.string(); // the public key, repeated inside
    const inner = new SshReader(reader.string());
    if (inner.uint32() !== inner.uint32()) throw new Error();
    if (inner.text() !== ED25519) return fail('the key is not Ed25519 (make one with ssh-keygen -t ed25519)');
    const raw = inner.string();
    const secret = inner.string();
    if (raw.length !== 32 || secret.length !== 64 || !secret.subarray(32).equals(raw)) throw new Error();
    return { key: ed25519PrivateKey(secret.subarray(0, 32), raw), raw };
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    return fail('the OpenSSH private key file is damaged');
  }
}

class KeyFileError extends Error {}

function fail(message: string): never {
  throw new KeyFileError(message);
}
