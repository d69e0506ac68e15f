// The ES256 key pair the broker signs tokens with: created on first use, kept as a 0600 JWK file in the
// private state dir, never printed. node:crypto signs synchronously and without WebCrypto's set-up, which
// costs every `jit exec` several milliseconds.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JitError } from '../core/errors.js';
import { createPrivateFileOnce, ensurePrivateDir, privateFileExists } from '../platform/paths.js';

export interface PublicSigningJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface SigningKey {
  kid: string;
  /** What verifiers need (a JWKS entry). */
  publicJwk: PublicSigningJwk;
  /** An ES256 signature (raw r‖s, as JWS wants) over the JWS signing input. */
  sign(signingInput: string): Buffer;
}

/** The audit key is not among these: it is made and checked with its chain (audit/audit-key.ts). */
export type KeyName = 'token-signing';

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order. */
function thumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
}

function fromPrivateKey(privateKey: KeyObject, kid: string | undefined): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not a P-256 key');
  const { x, y } = createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string; y: string };
  const base = { kty: 'EC' as const, crv: 'P-256' as const, x, y };
  const keyId = kid ?? thumbprint(base);
  return {
    kid: keyId,
    publicJwk: { ...base, kid: keyId, alg: 'ES256', use: 'sig' },
    sign: (input) => sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
  };
}

export async function loadOrCreateKey(stateDir: string, name: KeyName): Promise<SigningKey> {
  const dir = ensurePrivateDir(join(stateDir, 'keys'));
  const path = join(dir, `${name}.jwk`);
  if (!privateFileExists(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' }) as { crv: string; kty: string; x: string; y: string };
    createPrivateFileOnce(path, JSON.stringify({ ...jwk, kid: thumbprint(jwk) }));
  }
  try {
    const jwk = JSON.parse(readFileSync(path, 'utf8')) as JsonWebKey & { kid?: string };
    return fromPrivateKey(createPrivateKey({ key: jwk, format: 'jwk' }), jwk.kid);
  } catch {
    // SECURITY: no parser's message here: JSON.parse quotes the characters around an error, the private key's included.
    throw new JitError('os', `the signing key ${path} is unreadable or corrupt (not a P-256 private key in JWK form)`, {
      hint: `restore it from a backup, or remove it to make a new one (tokens it signed then no longer verify)`,
    });
  }
}
