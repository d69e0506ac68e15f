// Reads back a token the jwt issuer signed, for a service that asks the broker about it (RFC 7662
// introspection): the signature with the broker's key, the issuer, and its time window. Whether its
// grant still lives is the broker's to add.
import { createPublicKey, verify } from 'node:crypto';
import type { PublicSigningJwk } from '../../keys.js';
import { JWT_ISSUER_NAME } from './jwt-issuer.js';

export interface IssuedTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  jti: string;
  role: string;
  ticket: string;
  iat: number;
  nbf: number;
  exp: number;
}

/** A compact JWS: three base64url parts, bounded (a token jit signs is well under 1 KiB). */
const COMPACT_JWS = /^[A-Za-z0-9_-]{1,512}\.[A-Za-z0-9_-]{1,2048}\.[A-Za-z0-9_-]{86}$/;

function json(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The claims of a token this broker's key signed and that is within its time window now; else undefined. */
export function checkIssuedToken(token: string, key: PublicSigningJwk, nowSeconds: number): IssuedTokenClaims | undefined {
  if (!COMPACT_JWS.test(token)) return undefined;
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const protectedHeader = json(header);
  // SECURITY: the algorithm and key are the broker's own; a header cannot choose another (or none).
  if (protectedHeader?.alg !== 'ES256' || protectedHeader.kid !== key.kid) return undefined;
  const publicKey = createPublicKey({ key: { kty: key.kty, crv: key.crv, x: key.x, y: key.y }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))) return undefined;
  const claims = json(payload);
  if (!claims || claims.iss !== JWT_ISSUER_NAME) return undefined;
  const strings = ['sub', 'aud', 'jti', 'role', 'ticket'] as const;
  const numbers = ['iat', 'nbf', 'exp'] as const;
  if (!strings.every((name) => typeof claims[name] === 'string') || !numbers.every((name) => Number.isInteger(claims[name]))) return undefined;
  const checked = claims as unknown as IssuedTokenClaims;
  return checked.nbf <= nowSeconds && nowSeconds < checked.exp ? checked : undefined;
}
