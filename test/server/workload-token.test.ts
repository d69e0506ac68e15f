// CI jobs proving who they are: identity tokens minted by a loopback issuer in GitHub's, GitLab's and
// Kubernetes' documented claim shapes, checked against policy workloads. The right claims give the one
// workload they name; another repository, ref or audience, an expired or forged token, a token living
// for days or one two workloads would both accept are refused (exit 77), naming claims, never values.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JitError } from '../../src/core/errors.js';
import type { WorkloadPolicy } from '../../src/broker/policy/types.js';
import { callers } from '../../src/server/caller-verifier.js';
import { OperatorTokenVerifier } from '../../src/server/operator-token.js';
import { WorkloadTokenVerifier } from '../../src/server/workload-token.js';
import { matchesRule } from '../../src/broker/policy/requesters.js';
import { startOidcProvider, type OidcProvider } from '../support/oidc.js';
import { GITHUB_CLAIMS, GITLAB_CLAIMS, KUBERNETES_CLAIMS, startWorkloadIssuer, type WorkloadIssuer } from '../support/workload-issuer.js';

const AUDIENCE = 'https://jit.test/broker';
let ci: WorkloadIssuer;
let provider: OidcProvider;

beforeAll(async () => {
  ci = await startWorkloadIssuer();
  provider = await startOidcProvider({ audience: AUDIENCE, users: { alice: ['sre'] } });
  deploy = workload('deploy', deployClaims);
});
afterAll(async () => {
  await ci.close();
  await provider.close();
});

const workload = (name: string, claims: WorkloadPolicy['claims'], extra: Partial<WorkloadPolicy> = {}): WorkloadPolicy => ({
  name, description: '', issuer: ci.issuer, audience: AUDIENCE, claims, algorithms: ['RS256'], ...extra,
});
const deployClaims = { repository: ['octo-org/octo-repo'], ref: ['refs/heads/main'], environment: ['prod'] };
let deploy: WorkloadPolicy;
const verifierOf = (...workloads: WorkloadPolicy[]) => new WorkloadTokenVerifier(workloads, { leewaySeconds: 30 });

async function refusal(verifier: WorkloadTokenVerifier, token: string): Promise<JitError> {
  const error = await verifier.verify(token, ci.issuer).then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(JitError);
  expect((error as JitError).code).toBe('unauthenticated');
  expect((error as JitError).exitCode).toBe(77);
  return error as JitError;
}

describe('workload identity tokens', () => {
  it("GitHub Actions' token with the right repository, ref and environment is workload deploy, and the run is recorded", async () => {
    const verified = await verifierOf(deploy).verify(await ci.mint({ ...GITHUB_CLAIMS, aud: AUDIENCE }), ci.issuer);
    expect(verified.workload).toBe('deploy');
    expect(verified.subject).toBe('repo:octo-org/octo-repo:environment:prod');
    expect(verified.provenance).toMatchObject({ repository: 'octo-org/octo-repo', ref: 'refs/heads/main', sha: 'a1b2c3d4', run_id: '4242', run_attempt: '2', actor: 'octocat', jti: 'example-id' });
    // Claims that say nothing about the run stay out of the audit.
    expect(verified.provenance).not.toHaveProperty('repository_visibility');
  });

  it("GitLab's id_token (booleans as strings) and a Kubernetes projected token (an audience list, nested claims)", async () => {
    const gitlab = workload('gitlab-deploy', { project_path: ['mygroup/myproject'], ref_protected: ['true'], environment: ['production', 'staging'] });
    const kubernetes = workload('k8s-deployer', { sub: ['system:serviceaccount:ci:deployer'] });
    const verifier = verifierOf(gitlab, kubernetes);
    expect((await verifier.verify(await ci.mint({ ...GITLAB_CLAIMS, aud: AUDIENCE }), ci.issuer)).workload).toBe('gitlab-deploy');
    const pod = await verifier.verify(await ci.mint({ ...KUBERNETES_CLAIMS, aud: ['https://kubernetes.default.svc', AUDIENCE] }), ci.issuer);
    expect(pod.workload).toBe('k8s-deployer');
    expect(pod.provenance).toEqual({ sub: 'system:serviceaccount:ci:deployer', jti: KUBERNETES_CLAIMS.jti });
  });

  it('another repository, a look-alike ref, another audience or a missing claim: refused, naming the claims and never the values expected', async () => {
    const verifier = verifierOf(deploy);
    const other = await refusal(verifier, await ci.mint({ ...GITHUB_CLAIMS, repository: 'mallory/octo-repo', aud: AUDIENCE }));
    expect(other.message).toBe(`the identity token from ${ci.issuer} fits no workload of the policy (the nearest differs in: repository)`);
    expect(other.message).not.toContain('octo-org');
    expect((await refusal(verifier, await ci.mint({ ...GITHUB_CLAIMS, ref: 'refs/heads/main-evil', aud: AUDIENCE }))).message).toContain('(the nearest differs in: ref)');
    expect((await refusal(verifier, await ci.mint({ ...GITHUB_CLAIMS, ref: 'refs/heads/MAIN', environment: 'dev', aud: AUDIENCE }))).message).toContain('(the nearest differs in: ref, environment)');
    expect((await refusal(verifier, await ci.mint({ ...GITHUB_CLAIMS, aud: 'https://github.com/octo-org' }))).message).toContain('(the nearest differs in: aud)');
    const { environment: _dropped, ...withoutEnvironment } = GITHUB_CLAIMS;
    expect((await refusal(verifier, await ci.mint({ ...withoutEnvironment, aud: AUDIENCE }))).message).toContain('(the nearest differs in: environment)');
    // A claim that is an object is no text to compare: it never equals a condition.
    expect((await refusal(verifier, await ci.mint({ ...GITHUB_CLAIMS, repository: { name: 'octo-org/octo-repo' }, aud: AUDIENCE }))).message).toContain('(the nearest differs in: repository)');
  });

  it('expired (past the leeway), not yet valid, signed by another key, or living past a day: refused', async () => {
    const verifier = verifierOf(deploy);
    const claims = { ...GITHUB_CLAIMS, aud: AUDIENCE };
    expect((await refusal(verifier, await ci.mint(claims, { iatOffsetSeconds: -400, lifetimeSeconds: 300 }))).message).toBe('the identity token was refused: it has expired');
    await refusal(verifier, await ci.mint(claims, { iatOffsetSeconds: 3600 }));
    expect((await refusal(verifier, await ci.mint(claims, { foreignKey: true }))).message).toMatch(/signature does not verify|no key of the provider/);
    expect((await refusal(verifier, await ci.mint(claims, { lifetimeSeconds: 3 * 24 * 3600 }))).message).toMatch(/lives longer than 24h/);
  });

  it('a symmetric algorithm, or an algorithm the workload does not allow, is refused', async () => {
    const hs = await new SignJWT({ ...GITHUB_CLAIMS, aud: AUDIENCE }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ci.issuer).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode('k'.repeat(32)));
    expect((await refusal(verifierOf(deploy), hs)).message).toBe('the identity token was refused: its algorithm is not allowed');
    const esOnly = workload('es-only', deploy.claims, { algorithms: ['ES256'] });
    await refusal(verifierOf(esOnly), await ci.mint({ ...GITHUB_CLAIMS, aud: AUDIENCE }));
  });

  it('a token two workloads would both accept is refused: one token is one identity', async () => {
    const anyBranch = workload('any-branch', { repository: ['octo-org/octo-repo'] });
    const refused = await refusal(verifierOf(deploy, anyBranch), await ci.mint({ ...GITHUB_CLAIMS, aud: AUDIENCE }));
    expect(refused.message).toBe('the identity token fits workloads deploy and any-branch at once; make their claims exclusive in the policy');
    expect((await verifierOf(deploy, anyBranch).verify(await ci.mint({ ...GITHUB_CLAIMS, ref: 'refs/heads/feature', aud: AUDIENCE }), ci.issuer)).workload).toBe('any-branch');
  });

  it('a broker routes a CI token to its workload and a person\'s access token to the team provider; neither passes for the other', async () => {
    const operators = new OperatorTokenVerifier({ issuer: provider.issuer, audience: AUDIENCE, algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 });
    const verify = callers(operators, verifierOf(deploy)).verify;
    const job = await verify(`Bearer ${await ci.mint({ ...GITHUB_CLAIMS, aud: AUDIENCE })}`, '10.0.0.5');
    expect(job).toMatchObject({ name: 'workload:deploy', host: '10.0.0.5', workload: { workload: 'deploy' } });
    expect(job.groups()).toEqual([]);
    const alice = await verify(`Bearer ${await provider.token('alice')}`, '10.0.0.6');
    expect(alice.name).toBe('alice');
    expect(alice.workload).toBeUndefined();
    // A token from an issuer no workload names goes to the team provider's verifier, which refuses it.
    const stranger = await startWorkloadIssuer();
    try {
      const refused = await verify(`Bearer ${await stranger.mint({ ...GITHUB_CLAIMS, aud: AUDIENCE })}`, '10.0.0.7').catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'unauthenticated' });
    } finally {
      await stranger.close();
    }
    // Without workloads in the policy, no CI token is looked at as one.
    expect(await callers(operators).verify(`Bearer ${await ci.mint({ ...GITHUB_CLAIMS, aud: AUDIENCE })}`, '10.0.0.5').catch((error: unknown) => error)).toMatchObject({ code: 'unauthenticated' });
  });

  it('policy rules: `*` is every person and never a workload; workload:NAME names exactly that workload', () => {
    const job = { name: 'workload:deploy', host: 'h', tty: null, groups: () => [], workload: { workload: 'deploy', issuer: ci.issuer, subject: 's', provenance: {}, expiresAt: 0 } };
    const person = { name: 'alice', host: 'h', tty: null, groups: () => ['sre'] };
    expect(matchesRule(['*'], job)).toBe(false);
    expect(matchesRule(['*'], person)).toBe(true);
    expect(matchesRule(['workload:deploy'], job)).toBe(true);
    expect(matchesRule(['workload:deploy'], person)).toBe(false);
    expect(matchesRule(['workload:other'], job)).toBe(false);
    expect(matchesRule(['user:workload:deploy'], job)).toBe(false);
  });
});
