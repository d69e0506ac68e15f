// Who a CI job is: the OIDC identity token its platform minted for it (GitHub Actions, GitLab CI
// id_tokens, a Kubernetes projected service-account token), verified against its issuer's published
// keys and matched against the policy's `workloads:`. The job proves itself with a token that lives
// minutes and names the repository, branch and environment it runs for; it never holds a jit secret.
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { JitError, UNSAFE_TEXT } from '../core/errors.js';
import type { WorkloadPolicy } from '../broker/policy/types.js';
import type { WorkloadIdentity } from '../platform/operator.js';
import { IssuerKeys, JWKS_COOLDOWN_MS } from './issuer-keys.js';
import { describeRefusal } from './operator-token.js';

export type VerifiedWorkload = WorkloadIdentity;

/** A token that outlives a working day is a stored secret by another name: CI tokens live minutes to hours. */
const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/** Besides the policy's own conditions, what the audit keeps of a token: where the run came from. */
const PROVENANCE_CLAIMS = [
  'sub', 'jti',
  // GitHub Actions
  'repository', 'ref', 'sha', 'environment', 'workflow_ref', 'job_workflow_ref', 'run_id', 'run_attempt', 'actor', 'event_name',
  // GitLab CI
  'project_path', 'pipeline_id', 'job_id', 'ref_protected', 'user_login', 'ci_config_ref_uri',
];
const MAX_CLAIM_TEXT = 256;

function refused(message: string): JitError {
  return new JitError('unauthenticated', message, { hint: 'check the job\'s identity token (issuer, audience, and the claims the policy\'s workloads: name); `jit whoami` in the job shows what the broker sees' });
}

/** A claim as text the audit can hold and a terminal can show, or undefined for anything else (objects, arrays, control characters). */
function claimText(value: unknown): string | undefined {
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CLAIM_TEXT || new RegExp(UNSAFE_TEXT.source).test(value)) return undefined;
  return value;
}

/** Why `workload` does not accept a token that verified: claim names only, never the values it expects. */
function misfit(workload: WorkloadPolicy, payload: JWTPayload, alg: string): string | undefined {
  if (!workload.algorithms.includes(alg)) return 'alg';
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  if (!audiences.includes(workload.audience)) return 'aud';
  const differing = Object.entries(workload.claims).filter(([claim, accepted]) => {
    const value = claimText(payload[claim]);
    // SECURITY: exact equality, as text: no prefix, pattern or case folding lets refs/heads/main-evil pass for refs/heads/main.
    return value === undefined || !accepted.includes(value);
  });
  return differing.length ? differing.map(([claim]) => claim).join(', ') : undefined;
}

export class WorkloadTokenVerifier {
  readonly #workloads: readonly WorkloadPolicy[];
  readonly #keys = new Map<string, IssuerKeys>();
  readonly #leewaySeconds: number;

  constructor(workloads: Iterable<WorkloadPolicy>, { leewaySeconds, keyRefetchCooldownMs = JWKS_COOLDOWN_MS }: { leewaySeconds: number; keyRefetchCooldownMs?: number }) {
    this.#workloads = [...workloads];
    this.#leewaySeconds = leewaySeconds;
    for (const { issuer } of this.#workloads) {
      if (!this.#keys.has(issuer)) this.#keys.set(issuer, new IssuerKeys(issuer, `the workloads: issuer ${issuer} in the policy`, keyRefetchCooldownMs));
    }
  }

  /** Whether a workload of the policy names this issuer: only then is a token from it looked at. */
  trusts(issuer: string): boolean {
    return this.#keys.has(issuer);
  }

  /** The one workload a token from `issuer` proves; a JitError('unauthenticated') for anything less. */
  async verify(token: string, issuer: string): Promise<VerifiedWorkload> {
    const keys = this.#keys.get(issuer);
    if (!keys) throw refused('the token\'s issuer is not one the policy trusts');
    const candidates = this.#workloads.filter((workload) => workload.issuer === issuer);
    let payload: JWTPayload;
    let alg: string;
    try {
      ({ payload, protectedHeader: { alg } } = await jwtVerify(token, await keys.get(), {
        issuer,
        // SECURITY: asymmetric algorithms only (the policy's schema allows no other); the audience is checked per workload below.
        algorithms: [...new Set(candidates.flatMap((workload) => workload.algorithms))],
        clockTolerance: this.#leewaySeconds,
        requiredClaims: ['exp', 'iat', 'sub', 'aud'],
      }));
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
        if (error instanceof JitError) throw error;
        throw new JitError('unavailable', `the keys of ${issuer} could not be fetched`, { hint: 'try again shortly', cause: error });
      }
      throw refused(`the identity token was refused: ${describeRefusal(error)}`);
    }
    if (payload.exp! - payload.iat! > MAX_TOKEN_LIFETIME_SECONDS) throw refused('the identity token lives longer than 24h: use the short-lived token the CI platform mints per job');
    const subject = claimText(payload.sub);
    if (subject === undefined) throw refused('the identity token\'s sub claim is not text jit can record');
    const reasons = candidates.map((workload) => ({ workload, misfit: misfit(workload, payload, alg) }));
    const fitting = reasons.filter((reason) => reason.misfit === undefined).map((reason) => reason.workload);
    if (fitting.length === 0) {
      // The nearest workload's differences help the job's owner; the others' would only spell out the policy.
      const nearest = reasons.map((reason) => reason.misfit!).sort((a, b) => a.split(', ').length - b.split(', ').length)[0];
      throw refused(`the identity token from ${issuer} fits no workload of the policy (the nearest differs in: ${nearest})`);
    }
    // SECURITY: one token is one identity; were two workloads to accept it, which one acts would be a guess.
    if (fitting.length > 1) {
      throw refused(`the identity token fits workloads ${fitting.map((workload) => workload.name).join(' and ')} at once; make their claims exclusive in the policy`);
    }
    const workload = fitting[0]!;
    const provenance: Record<string, string> = {};
    for (const claim of new Set([...PROVENANCE_CLAIMS, ...Object.keys(workload.claims)])) {
      const value = claimText(payload[claim]);
      if (value !== undefined) provenance[claim] = value;
    }
    return { workload: workload.name, issuer, subject, provenance, expiresAt: payload.exp! };
  }
}
