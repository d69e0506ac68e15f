// The key pair a session may be issued a certificate for (the ssh issuer): made in memory for each
// request, its public half sent with it. SECURITY: the private half leaves this process only for the
// session's own ssh-agent, over its socket; when no certificate comes back it is dropped with the request.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ed25519PublicKeyLine, rawEd25519PublicKey } from '../platform/ssh-keys.js';

export interface SessionKey {
  /** `ssh-ed25519 AAAA… jit-session`. */
  publicKey: string;
  privateKey: KeyObject;
}

export function makeSessionKey(): SessionKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { publicKey: ed25519PublicKeyLine(rawEd25519PublicKey(publicKey), 'jit-session'), privateKey };
}
