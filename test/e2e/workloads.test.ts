// Workload identity end to end: `jit serve` trusting a CI issuer on loopback, and a CI job's jit (the
// built binary, no login, no stored secret) proving itself with the identity token its platform minted:
// GitHub Actions' token service, GitLab's id_tokens variable, a Kubernetes projected token file. The
// right claims get a grant through the same lifecycle and audit as a person's, with the workload as
// actor; another repository, an expired or replayed-after-expiry token, a role for people only, and
// break-glass are refused with 77, and nothing is issued.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../support/jit.js';
import { CLI_CLIENT_ID, startOidcProvider, type OidcProvider } from '../support/oidc.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';
import { brokerFiles, serve, TEAM_AUDIENCE, teamWorkstation, type BrokerFiles, type ServedBroker } from '../support/served.js';
import { GITHUB_CLAIMS, GITLAB_CLAIMS, KUBERNETES_CLAIMS, startWorkloadIssuer, type WorkloadIssuer } from '../support/workload-issuer.js';
import { until } from '../support/waits.js';

const CI_AUDIENCE = 'https://jit.test/ci';
let ci: WorkloadIssuer;
let provider: OidcProvider;
let files: BrokerFiles;
let broker: ServedBroker;
let keychain: SecretService;
let runner: Sandbox;
let notices: Server;

const policy = (issuer: string) => `roles:
  deploy:
    ttl: { default: 15m, max: 1h }
    requesters: [workload:gh-deploy, workload:gitlab-deploy, workload:k8s-deployer]
    issuer: { type: jwt }
    breakGlass: { allowed: true, ttl: 10m, reviewers: [group:sre-leads] }
  people:
    ttl: { default: 5m, max: 1h }
    requesters: ['*']
    issuer: { type: jwt }
workloads:
  gh-deploy:
    issuer: ${issuer}
    audience: ${CI_AUDIENCE}
    claims: { repository: octo-org/octo-repo, ref: refs/heads/main, environment: prod }
  gitlab-deploy:
    issuer: ${issuer}
    audience: ${CI_AUDIENCE}
    claims: { project_path: mygroup/myproject, ref_protected: 'true' }
  k8s-deployer:
    issuer: ${issuer}
    audience: ${CI_AUDIENCE}
    claims: { sub: 'system:serviceaccount:ci:deployer' }
`;

beforeAll(async () => {
  ci = await startWorkloadIssuer();
  provider = await startOidcProvider({ audience: TEAM_AUDIENCE, users: { lead: ['sre-leads'] } });
  // Break-glass needs someone told; nobody here needs to read it.
  notices = createServer((request, response) => request.resume().on('end', () => response.writeHead(200).end()));
  await new Promise<void>((resolve) => notices.listen(0, '127.0.0.1', resolve));
  const webhook = `http://127.0.0.1:${(notices.address() as AddressInfo).port}/hook`;
  // A second of leeway: a token replayed just after its expiry is refused at once, not half a minute later.
  files = brokerFiles(policy(ci.issuer), `listen: 127.0.0.1:0\noidc:\n  issuer: ${provider.issuer}\n  audience: ${TEAM_AUDIENCE}\n  algorithms: [ES256]\n  clientId: ${CLI_CLIENT_ID}\n  leeway: 1s\nnotifications:\n  webhook: { url: ${webhook}, secret: env:HOOK_SECRET }\n`, { HOOK_SECRET: 'h'.repeat(40) });
  broker = await serve(files);
  keychain = await startSecretService();
  // The job's machine: a config naming the broker, and no login at all.
  runner = teamWorkstation(sandbox(keychain.env), broker.url);
}, 60_000);
afterAll(async () => {
  broker?.child.kill('SIGKILL');
  runner?.remove();
  files?.box.remove();
  await keychain?.stop();
  await provider?.close();
  await ci?.close();
  notices?.close();
});

function rows<T>(sql: string, ...params: string[]): T[] {
  const db = files.db();
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
const grantsOf = (requester: string) => rows<{ id: string; state: string; revoke_reason: string | null }>('SELECT id, state, revoke_reason FROM grants WHERE requester = ? ORDER BY issued_at', requester);
const PRINT_TOKEN = ['sh', '-c', 'test -n "$JIT_TOKEN" && echo "$JIT_SESSION"'];

describe('workload identity for CI (jit serve, the built binary, a loopback CI issuer)', () => {
  it('GitHub Actions: the runner mints a token for our audience; the grant is the workload\'s, its run is in the audit, and it ends with the command', async () => {
    const service = ci.githubTokenService(GITHUB_CLAIMS);
    const env = { JIT_IDENTITY: 'github-actions', JIT_IDENTITY_AUDIENCE: CI_AUDIENCE, ...service.env };
    const result = await runner.run(['exec', '--ticket', 'OPS-1', '--role', 'deploy', '--reason', 'release 1.2', '--', ...PRINT_TOKEN], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const grantId = result.stdout.trim();
    expect(service.audiences.length).toBeGreaterThan(0);
    expect(new Set(service.audiences)).toEqual(new Set([CI_AUDIENCE]));
    expect(grantsOf('workload:gh-deploy')).toEqual([{ id: grantId, state: 'revoked', revoke_reason: 'exit' }]);
    const [created] = rows<{ actor: string; data: string }>("SELECT actor, data FROM audit_events WHERE type = 'request.created' AND request_id = (SELECT request_id FROM grants WHERE id = ?)", grantId);
    expect(created!.actor).toBe('workload:gh-deploy@127.0.0.1');
    const data = JSON.parse(created!.data) as Record<string, string>;
    expect(data).toMatchObject({ tokenIssuer: ci.issuer, tokenSubject: 'repo:octo-org/octo-repo:environment:prod', reason: 'release 1.2' });
    expect(JSON.parse(data.tokenClaims!)).toMatchObject({ repository: 'octo-org/octo-repo', ref: 'refs/heads/main', sha: 'a1b2c3d4', run_id: '4242', run_attempt: '2' });
    const revoked = rows<{ actor: string }>("SELECT actor FROM audit_events WHERE type = 'grant.revoked' AND grant_id = ?", grantId);
    expect(revoked).toEqual([{ actor: 'workload:gh-deploy@127.0.0.1' }]);

    const whoami = await runner.run(['whoami'], { env });
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toContain(`workload:gh-deploy at ${broker.url}`);
    expect(whoami.stdout).toContain('  run_id: 4242');
  });

  it('a job of another repository, or of a look-alike branch, is refused (77) and nothing is issued', async () => {
    for (const claims of [{ ...GITHUB_CLAIMS, repository: 'mallory/octo-repo' }, { ...GITHUB_CLAIMS, ref: 'refs/heads/main-evil' }]) {
      const service = ci.githubTokenService(claims);
      const result = await runner.run(['exec', '--ticket', 'OPS-2', '--role', 'deploy', '--', 'true'], { env: { JIT_IDENTITY: 'github-actions', JIT_IDENTITY_AUDIENCE: CI_AUDIENCE, ...service.env } });
      expect(result.code).toBe(77);
      expect(result.stderr).toMatch(/^jit: the broker: the identity token from http:\/\/127\.0\.0\.1:\d+ fits no workload of the policy \(the nearest differs in: (repository|ref)\)\n  → check the identity token from GitHub Actions: /);
    }
    // A token minted for another audience (the runner's default) is not one for this broker.
    const service = ci.githubTokenService(GITHUB_CLAIMS);
    const elsewhere = await runner.run(['exec', '--ticket', 'OPS-2', '--role', 'deploy', '--', 'true'], { env: { JIT_IDENTITY: 'github-actions', JIT_IDENTITY_AUDIENCE: 'https://github.com/octo-org', ...service.env } });
    expect(elsewhere.code).toBe(77);
    expect(elsewhere.stderr).toContain('(the nearest differs in: aud)');
    expect(rows('SELECT id FROM grants WHERE ticket = ?', 'OPS-2')).toEqual([]);
  });

  it("GitLab CI's id_tokens variable: the job gets its grant; an expired token is refused (77)", async () => {
    const token = await ci.mint({ ...GITLAB_CLAIMS, aud: CI_AUDIENCE });
    const ok = await runner.run(['exec', '--ticket', 'OPS-3', '--role', 'deploy', '--', ...PRINT_TOKEN], { env: { JIT_IDENTITY_TOKEN: token } });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(grantsOf('workload:gitlab-deploy').map((grant) => grant.id)).toEqual([ok.stdout.trim()]);
    const expired = await ci.mint({ ...GITLAB_CLAIMS, aud: CI_AUDIENCE }, { iatOffsetSeconds: -400, lifetimeSeconds: 300 });
    const refused = await runner.run(['exec', '--ticket', 'OPS-3', '--role', 'deploy', '--', 'true'], { env: { JIT_IDENTITY_TOKEN: expired } });
    expect(refused.code).toBe(77);
    expect(refused.stderr).toMatch(/^jit: the broker: the identity token was refused: it has expired\n  → check the identity token from JIT_IDENTITY_TOKEN/);
  });

  it('a Kubernetes projected token file (--identity-token-file): granted while valid; replayed past its expiry, refused', async () => {
    const dir = join(runner.home, 'serviceaccount');
    mkdirSync(dir, { mode: 0o700 });
    const file = join(dir, 'token');
    writeFileSync(file, await ci.mint({ ...KUBERNETES_CLAIMS, aud: [CI_AUDIENCE] }, { lifetimeSeconds: 4 }));
    const first = await runner.run(['exec', '--identity-token-file', file, '--ticket', 'OPS-4', '--role', 'deploy', '--', ...PRINT_TOKEN]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(grantsOf('workload:k8s-deployer')).toHaveLength(1);
    // The same token, once its 4 s and the broker's 1 s of leeway are over.
    await until('the token to expire', () => Date.now() / 1000 > JSON.parse(Buffer.from(readFileSync(file, 'utf8').split('.')[1]!, 'base64url').toString()).exp + 2 || undefined, 10_000);
    const replayed = await runner.run(['exec', '--identity-token-file', file, '--ticket', 'OPS-4', '--role', 'deploy', '--', 'true']);
    expect(replayed.code).toBe(77);
    expect(replayed.stderr).toContain('it has expired');
    expect(grantsOf('workload:k8s-deployer')).toHaveLength(1);
  });

  it('a role for people (`*`) and break-glass are refused to a workload (77); jit login is for people (64)', async () => {
    const env = { JIT_IDENTITY_TOKEN: await ci.mint({ ...GITLAB_CLAIMS, aud: CI_AUDIENCE }) };
    const people = await runner.run(['exec', '--ticket', 'OPS-5', '--role', 'people', '--', 'true'], { env });
    expect(people.code).toBe(77);
    expect(people.stderr).toMatch(/^jit: the broker: request denied: workload:gitlab-deploy is not among the requesters of people\n/);
    const glass = await runner.run(['break-glass', '--role', 'deploy', '--reason', 'outage'], { env });
    expect(glass.code).toBe(77);
    expect(glass.stderr).toMatch(/^jit: the broker: break-glass denied: break-glass is for people; a CI job asks with jit exec, as its workload\n/);
    const login = await runner.run(['login'], { env });
    expect(login.code).toBe(64);
    expect(login.stderr).toMatch(/^jit: jit login is for people, and this environment names a CI job's identity token \(JIT_IDENTITY_TOKEN\)\n  → in CI, run jit exec directly/);
    expect(grantsOf('workload:gitlab-deploy')).toHaveLength(1);
  });
});
