// Policy `workloads:`: CI jobs and services that prove who they are with their platform's OIDC identity
// token (GitHub Actions, GitLab CI id_tokens, a Kubernetes projected service-account token) instead of
// a stored secret. Each names the issuer it trusts, the audience the token must be minted for, and the
// exact claims that single out the job: a token from that issuer for another repository, branch or
// environment is someone else's.
import { z } from 'zod';
import { displayValue } from '../../core/errors.js';
import { isLoopbackHost } from '../../core/loopback.js';

export const WORKLOAD_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** Asymmetric JWS algorithms only: HS* would let whoever verifies tokens mint them, and `none` proves nothing. */
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** Checked by the verifier itself (signature, issuer, audience, times): a condition on them would mislead. */
const RESERVED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat']);

/**
 * Issuers whose every customer's jobs get tokens: a condition must say whose. Self-hosted GitLab and
 * Kubernetes issuers are one organisation's, but the same rule keeps a policy from trusting a whole issuer.
 */
const IDENTIFYING_CLAIMS: Record<string, readonly string[]> = {
  'https://token.actions.githubusercontent.com': ['sub', 'repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'job_workflow_ref'],
  'https://gitlab.com': ['sub', 'project_path', 'project_id', 'namespace_path', 'namespace_id'],
};

const issuerUrl = z.string().superRefine((text, context) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    context.addIssue({ code: 'custom', message: `${displayValue(text)} is not a URL` });
    return;
  }
  // SECURITY: the issuer's keys decide which job is which; fetched over plain HTTP, anyone on the path could replace them.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    context.addIssue({ code: 'custom', message: 'must be an https:// URL (http:// only on loopback)' });
  }
});

// A claim's accepted value, or values: compared exactly (no patterns), as strings; GitLab sends booleans as "true".
const claimValue = z.string().min(1).max(512);

const workload = z
  .strictObject({
    description: z.string().max(300).default(''),
    issuer: issuerUrl,
    audience: z.string().min(1).max(512),
    claims: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'claim names are letters, digits, _ . -'), z.union([claimValue, z.array(claimValue).min(1).max(32)]))
      .refine((claims) => Object.keys(claims).length > 0, 'name the claims that single out the job, e.g. repository and ref: a token from this issuer is otherwise anyone\'s')
      .refine((claims) => !Object.keys(claims).some((name) => RESERVED_CLAIMS.has(name)), 'iss, aud, exp, nbf and iat are checked by jit itself: use issuer and audience'),
    algorithms: z.array(z.enum(ASYMMETRIC)).min(1).default(['RS256', 'ES256']),
  })
  .superRefine((entry, context) => {
    const identifying = IDENTIFYING_CLAIMS[entry.issuer.replace(/\/$/, '')];
    // SECURITY: "any GitHub repository whose job asks for this audience" is anyone on GitHub.
    if (identifying && !identifying.some((name) => name in entry.claims)) {
      context.addIssue({ code: 'custom', path: ['claims'], message: `every job on ${entry.issuer} gets tokens: name one of ${identifying.join(', ')}` });
    }
  });

export const workloadsSchema = z.record(z.string().regex(WORKLOAD_NAME, 'workload names are lower-case letters, digits, - and _'), workload).default({});

export type WorkloadInput = z.output<typeof workload>;
