// ES256 key pairs the broker signs tokens with: created on first use,
// kept as 0600 JWK files in the private state dir, never printed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { JitError } from '../core/errors.js';
import { createPrivateFileOnce, ensurePrivateDir, privateFileExists } from '../platform/paths.js';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** Imported on first use: most runs only sign, and each WebCrypto import costs a few ms of start-up. */
  publicKey(): Promise<CryptoKey>;
  publicJwk: JWK;
}

/** The audit key is not among these: it is made and checked with its chain (audit/audit-key.ts). */
export type KeyName = 'token-signing';

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  const { d: _private, ...publicJwk } = jwk;
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicJwk));
  let publicKey: Promise<CryptoKey> | undefined;
  return {
    kid,
    privateKey: (await importJWK(jwk, 'ES256')) as CryptoKey,
    publicKey: () => (publicKey ??= importJWK(publicJwk, 'ES256') as Promise<CryptoKey>),
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
  };
}

export async function loadOrCreateKey(stateDir: string, name: KeyName): Promise<SigningKey> {
  const dir = ensurePrivateDir(join(stateDir, 'keys'));
  const path = join(dir, `${name}.jwk`);
  if (!privateFileExists(path)) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const { d: _private, ...publicJwk } = jwk;
    jwk.kid = await calculateJwkThumbprint(publicJwk);
    createPrivateFileOnce(path, JSON.stringify(jwk));
  }
  try {
    return await fromPrivateJwk(JSON.parse(readFileSync(path, 'utf8')) as JWK);
  } catch {
    // SECURITY: no parser's message here: JSON.parse quotes the characters around an error, the private key's included.
    throw new JitError('os', `the signing key ${path} is unreadable or corrupt (not a P-256 private key in JWK form)`, {
      hint: `restore it from a backup, or remove it to make a new one (tokens it signed then no longer verify)`,
    });
  }
}
