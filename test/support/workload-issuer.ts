// A CI platform's OIDC issuer on loopback: a discovery document, its JWKS, and identity tokens minted
// in the claim shapes GitHub Actions, GitLab CI and Kubernetes document; plus GitHub's token service
// (ACTIONS_ID_TOKEN_REQUEST_URL), which hands a job a token for the audience it asks for.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export interface WorkloadIssuer {
  issuer: string;
  /** A signed token; `lifetimeSeconds` from now (negative: already expired); `alg` RS256 unless said. */
  mint(claims: JWTPayload, options?: { lifetimeSeconds?: number; iatOffsetSeconds?: number; foreignKey?: boolean }): Promise<string>;
  /** GitHub's token service: ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN for a job whose token carries `claims`. */
  githubTokenService(claims: JWTPayload): { env: Record<string, string>; audiences: string[] };
  close(): Promise<void>;
}

/** The example token of GitHub's "About security hardening with OpenID Connect", for octo-org/octo-repo. */
export const GITHUB_CLAIMS = {
  jti: 'example-id',
  sub: 'repo:octo-org/octo-repo:environment:prod',
  environment: 'prod',
  ref: 'refs/heads/main',
  sha: 'a1b2c3d4',
  repository: 'octo-org/octo-repo',
  repository_owner: 'octo-org',
  actor_id: '12',
  repository_visibility: 'private',
  repository_id: '74',
  repository_owner_id: '65',
  run_id: '4242',
  run_number: '10',
  run_attempt: '2',
  runner_environment: 'github-hosted',
  actor: 'octocat',
  workflow: 'deploy',
  head_ref: '',
  base_ref: '',
  event_name: 'workflow_dispatch',
  ref_type: 'branch',
  job_workflow_ref: 'octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main',
};

/** GitLab's documented id_token claims (booleans as strings). */
export const GITLAB_CLAIMS = {
  namespace_id: '72',
  namespace_path: 'mygroup',
  project_id: '20',
  project_path: 'mygroup/myproject',
  user_id: '1',
  user_login: 'sample-user',
  user_email: 'sample-user@example.com',
  pipeline_id: '574',
  pipeline_source: 'push',
  job_id: '302',
  ref: 'main',
  ref_type: 'branch',
  ref_path: 'refs/heads/main',
  ref_protected: 'true',
  environment: 'production',
  environment_protected: 'true',
  runner_id: '1',
  runner_environment: 'self-hosted',
  sha: '714a629c0b401fdce83e847fc9589983fc6f46bc',
  ci_config_ref_uri: 'gitlab.example.com/mygroup/myproject//.gitlab-ci.yml@refs/heads/main',
  ci_config_sha: '714a629c0b401fdce83e847fc9589983fc6f46bc',
  project_visibility: 'private',
  jti: '235b3a54-b797-45c7-ae9a-f72d7bc6ef5b',
  sub: 'project_path:mygroup/myproject:ref_type:branch:ref:main',
};

/** A Kubernetes projected service-account token: an audience list, and the pod's details nested. */
export const KUBERNETES_CLAIMS = {
  sub: 'system:serviceaccount:ci:deployer',
  jti: 'e3e0b5a9-6c62-4a48-9d52-8f7a4d3c2b1a',
  'kubernetes.io': { namespace: 'ci', pod: { name: 'deployer-7d9f', uid: '2f1d…' }, serviceaccount: { name: 'deployer', uid: '9c1e…' } },
};

export async function startWorkloadIssuer(): Promise<WorkloadIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const kid = `w${Math.random().toString(36).slice(2, 10)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const services = new Map<string, { claims: JWTPayload; audiences: string[] }>();
  let issuer = '';

  const mint: WorkloadIssuer['mint'] = (claims, options = {}) => {
    const now = Math.floor(Date.now() / 1000) + (options.iatOffsetSeconds ?? 0);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setIssuedAt(now)
      .setNotBefore(now - 60)
      .setExpirationTime(now + (options.lifetimeSeconds ?? 300))
      .sign(options.foreignKey ? foreign.privateKey : privateKey);
  };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', issuer);
    const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') return json(200, { issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    // GitHub: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=… with the job's request token as a bearer.
    const service = url.pathname === '/_apis/token' ? services.get(request.headers.authorization ?? '') : undefined;
    if (url.pathname === '/_apis/token') {
      if (!service || url.searchParams.get('api-version') !== '2.0') return json(401, { message: 'bad request token' });
      const audience = url.searchParams.get('audience') ?? 'https://github.com/octo-org';
      service.audiences.push(audience);
      void mint({ ...service.claims, aud: audience }).then((value) => json(200, { count: 1, value }));
      return undefined;
    }
    return json(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    mint,
    githubTokenService(claims) {
      const requestToken = `rt-${Math.random().toString(36).slice(2)}`;
      const entry = { claims, audiences: [] as string[] };
      services.set(`Bearer ${requestToken}`, entry);
      return { env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/_apis/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken }, audiences: entry.audiences };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
