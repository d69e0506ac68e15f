// The audit signing key. It is made once, together with the chain's first event, and its public half
// is recorded in the store. After that a missing, unreadable or replaced key stops issuing (fail
// closed) instead of a new key being minted silently, which would let anyone re-sign a rewritten chain.
//
// Signing is synchronous (node:crypto), so a checkpoint is sealed inside the same transaction as the
// events it vouches for: there is never a window with events and no checkpoint over them.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JitError } from '../../core/errors.js';
import { createPrivateFileOnce, ensurePrivateDir, privateFileExists } from '../../platform/paths.js';

export const AUDIT_KEY_FILE = 'audit-signing.jwk';

export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
}

/** Verifies checkpoint signatures; all a client needs (with a team broker, the broker publishes it). */
export interface AuditVerifier {
  kid: string;
  publicJwk: PublicJwk;
  verify(signingInput: string, signature: Buffer): boolean;
}

export interface AuditSigner extends AuditVerifier {
  sign(signingInput: string): Buffer;
}

/** What the store remembers of the chain, so that a swapped key file is noticed. */
export interface ChainKeyRecord {
  /** The public key that signed this chain's checkpoints, if the chain has begun. */
  publicJwk: PublicJwk | null;
  /** Whether the chain holds any event yet. */
  empty: boolean;
}

export type AuditKeyState =
  | { signer: AuditSigner; verifier: AuditVerifier; problem?: undefined }
  | { signer?: undefined; verifier: AuditVerifier | undefined; problem: JitError };

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order. */
function thumbprint(jwk: Pick<PublicJwk, 'crv' | 'kty' | 'x' | 'y'>): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
}

export function verifierOf(publicJwk: PublicJwk): AuditVerifier {
  const key = createPublicKey({ key: { ...publicJwk }, format: 'jwk' });
  return {
    kid: publicJwk.kid,
    publicJwk,
    verify: (input, signature) => verify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature),
  };
}

function signerOf(privateKey: KeyObject, publicJwk: PublicJwk): AuditSigner {
  return {
    ...verifierOf(publicJwk),
    sign: (input) => sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
  };
}

function publicOf(privateKey: KeyObject): PublicJwk {
  const { crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' }) as { crv: 'P-256'; x: string; y: string };
  const base = { kty: 'EC' as const, crv, x, y };
  return { ...base, kid: thumbprint(base) };
}

function create(path: string): void {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  createPrivateFileOnce(path, JSON.stringify(privateKey.export({ format: 'jwk' })));
}

function keyProblem(message: string, stateDir: string): JitError {
  return new JitError('os', message, {
    hint: `restore ${join(stateDir, 'keys', AUDIT_KEY_FILE)} from a backup; to start a new chain instead, keep the old one (jit audit export > audit.jsonl) and move ${stateDir} away`,
  });
}

/** Loads the audit key, or creates it when the chain has not begun; otherwise says what is wrong. */
export function resolveAuditKey(stateDir: string, chain: ChainKeyRecord): AuditKeyState {
  const recorded = chain.publicJwk ? verifierOf(chain.publicJwk) : undefined;
  const path = join(stateDir, 'keys', AUDIT_KEY_FILE);
  let exists: boolean;
  try {
    ensurePrivateDir(join(stateDir, 'keys'));
    exists = privateFileExists(path);
  } catch (error) {
    // A symlink or a foreign owner stops issuing like a missing key, and nothing more: revocation goes on.
    return { verifier: recorded, problem: keyProblem(`the audit signing key cannot be trusted: ${(error as Error).message}; jit will not issue`, stateDir) };
  }
  if (!exists) {
    if (!chain.empty || recorded) {
      return { verifier: recorded, problem: keyProblem(`the audit signing key ${path} is missing, so jit will not issue: the audit chain could not be signed`, stateDir) };
    }
    create(path);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: JSON.parse(readFileSync(path, 'utf8')) as object as import('node:crypto').JsonWebKey, format: 'jwk' });
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not a P-256 key');
  } catch {
    // SECURITY: no parser's message here: JSON.parse quotes the characters around an error, the private key's included.
    return { verifier: recorded, problem: keyProblem(`the audit signing key ${path} is unreadable or corrupt (not a P-256 private key in JWK form), so jit will not issue`, stateDir) };
  }
  const publicJwk = publicOf(privateKey);
  const signer = signerOf(privateKey, publicJwk);
  // A file whose private half does not match its public half would sign what nobody can verify.
  const probe = `jit-audit-key-probe.${Date.now()}`;
  if (!signer.verify(probe, signer.sign(probe))) {
    return { verifier: recorded, problem: keyProblem(`the audit signing key ${path} is unreadable or corrupt (its halves do not match), so jit will not issue`, stateDir) };
  }
  if (recorded && recorded.kid !== publicJwk.kid) {
    return {
      verifier: recorded,
      problem: keyProblem(`the audit signing key ${path} was replaced: the chain is signed by key ${recorded.kid}, the file holds ${publicJwk.kid}; jit will not issue`, stateDir),
    };
  }
  return { signer, verifier: recorded ?? verifierOf(publicJwk) };
}
