// Who calls the broker: a person, with an access token from the team's OpenID provider, or a CI job,
// with its platform's identity token. The token's own issuer picks which verifier looks at it; each
// then checks everything (signature, issuer, audience, times) as if the other did not exist.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Operator } from '../platform/operator.js';
import { MAX_TOKEN_BYTES, type OperatorTokenVerifier } from './operator-token.js';
import type { WorkloadTokenVerifier } from './workload-token.js';

export interface Callers {
  /** The caller an `Authorization` header proves, at `address`; a JitError('unauthenticated') for anything less. */
  verify(authorization: string | undefined, address: string): Promise<Operator>;
  /** Whether the team's provider's keys can be had: the broker is not ready without them. */
  ready(): Promise<void>;
}

export function callers(operators: OperatorTokenVerifier, workloads?: WorkloadTokenVerifier): Callers {
  return {
    ready: () => operators.ready(),
    async verify(authorization, address) {
      const token = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '')?.[1];
      const issuer = token && token.length <= MAX_TOKEN_BYTES ? unverifiedIssuer(token) : undefined;
      // An RFC 9068 access token from the team's provider is a person's, even where the same provider also mints workload tokens.
      const workloadToken = workloads && issuer !== undefined && workloads.trusts(issuer) && !(issuer === operators.issuer && unverifiedType(token!) === 'at+jwt');
      if (!workloadToken) {
        const verified = await operators.verify(authorization);
        return { name: verified.name, host: address, tty: null, groups: () => verified.groups };
      }
      const verified = await workloads.verify(token!, issuer!);
      // SECURITY: `workload:NAME` can be no person's name (names hold no colon), and a workload belongs to no group.
      return { name: `workload:${verified.workload}`, host: address, tty: null, groups: () => [], workload: verified };
    },
  };
}

/** Only to choose a verifier: the claim is trusted once that verifier has checked the signature. */
function unverifiedIssuer(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

function unverifiedType(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).typ;
  } catch {
    return undefined;
  }
}
