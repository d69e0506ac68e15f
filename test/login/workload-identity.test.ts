// Where a CI job's identity token comes from, on the job's side: the file a Kubernetes pod mounts
// (re-read on every call, through the kubelet's symlinks), GitLab's id_tokens variable, or GitHub's
// token service for the broker's audience. One source at a time; every mistake is exit 78 with the fix.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JitError } from '../../src/core/errors.js';
import { workloadIdentity } from '../../src/login/workload-identity.js';
import { GITHUB_CLAIMS, startWorkloadIssuer, type WorkloadIssuer } from '../support/workload-issuer.js';

const BROKER = 'https://jit.example.com';
let ci: WorkloadIssuer;
const dir = mkdtempSync(join(tmpdir(), 'jit-identity-'));
beforeAll(async () => {
  ci = await startWorkloadIssuer();
});
afterAll(async () => {
  await ci.close();
  rmSync(dir, { recursive: true, force: true });
});

async function misconfigured(run: () => unknown): Promise<JitError> {
  const error = await (async () => run())().then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(JitError);
  expect((error as JitError).exitCode).toBe(78);
  return error as JitError;
}

describe('a CI job\'s identity token source', () => {
  it('none named: a person, who logs in', () => {
    expect(workloadIdentity({}, BROKER)).toBeUndefined();
    expect(workloadIdentity({ JIT_IDENTITY: '' }, BROKER)).toBeUndefined();
  });

  it('a token file is read again on every call, through symlinks as the kubelet swaps them', async () => {
    // The kubelet's layout: token -> ..data/token, ..data -> ..2026_11_24_1, swapped by renaming a new ..data link.
    const mount = join(dir, 'projected');
    mkdirSync(join(mount, '..v1'), { recursive: true });
    mkdirSync(join(mount, '..v2'));
    const first = await ci.mint({ sub: 'system:serviceaccount:ci:deployer', aud: ['jit'] });
    const second = await ci.mint({ sub: 'system:serviceaccount:ci:deployer', aud: ['jit'], jti: 'rotated' });
    writeFileSync(join(mount, '..v1', 'token'), first);
    writeFileSync(join(mount, '..v2', 'token'), `${second}\n`);
    symlinkSync('..v1', join(mount, '..data'));
    symlinkSync(join('..data', 'token'), join(mount, 'token'));
    const source = workloadIdentity({ JIT_IDENTITY_TOKEN_FILE: join(mount, 'token') }, BROKER)!;
    expect(await source.token()).toBe(first);
    symlinkSync('..v2', join(mount, '..data.tmp'));
    renameSync(join(mount, '..data.tmp'), join(mount, '..data'));
    expect(await source.token()).toBe(second);
  });

  it('a token file that is missing, empty, a directory or not a JWT: exit 78, never echoing its content', async () => {
    const source = (path: string) => workloadIdentity({ JIT_IDENTITY_TOKEN_FILE: path }, BROKER)!;
    expect((await misconfigured(() => source(join(dir, 'absent')).token())).message).toBe(`cannot read the identity token file ${join(dir, 'absent')}: ENOENT`);
    writeFileSync(join(dir, 'empty'), '\n');
    expect((await misconfigured(() => source(join(dir, 'empty')).token())).message).toMatch(/is empty$/);
    expect((await misconfigured(() => source(dir).token())).message).toMatch(/is not a regular file$/);
    // A FIFO with no writer would block an open for reading, and with it every heartbeat: refused at once.
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect((await misconfigured(() => source(join(dir, 'fifo')).token())).message).toMatch(/is not a regular file$/);
    writeFileSync(join(dir, 'secret'), 'hunter2-not-a-jwt');
    const notJwt = await misconfigured(() => source(join(dir, 'secret')).token());
    expect(notJwt.message).toBe(`the identity token from ${join(dir, 'secret')} is not a JWT`);
    expect(`${notJwt.message}${notJwt.hint}`).not.toContain('hunter2');
  });

  it("GitLab's id_tokens variable is the token itself", async () => {
    const token = await ci.mint({ sub: 'project_path:mygroup/myproject:ref_type:branch:ref:main', aud: BROKER });
    expect(await workloadIdentity({ JIT_IDENTITY_TOKEN: token }, BROKER)!.token()).toBe(token);
    await misconfigured(() => workloadIdentity({ JIT_IDENTITY_TOKEN: 'x.y' }, BROKER));
  });

  it('two sources at once, or a source jit does not know: exit 78 naming them', async () => {
    expect((await misconfigured(() => workloadIdentity({ JIT_IDENTITY_TOKEN: 'a.b.c', JIT_IDENTITY_TOKEN_FILE: '/t' }, BROKER))).message).toBe('JIT_IDENTITY_TOKEN and JIT_IDENTITY_TOKEN_FILE are both set: a job proves itself one way');
    expect((await misconfigured(() => workloadIdentity({ JIT_IDENTITY: 'circleci' }, BROKER))).message).toBe('JIT_IDENTITY="circleci" is not a source jit knows');
  });

  it('GitHub Actions: without id-token permission, exit 78 saying which; the request token never leaves over plain http', async () => {
    const missing = await misconfigured(() => workloadIdentity({ JIT_IDENTITY: 'github-actions' }, BROKER));
    expect(missing.hint).toContain('permissions: id-token: write');
    await misconfigured(() => workloadIdentity({ JIT_IDENTITY: 'github-actions', ACTIONS_ID_TOKEN_REQUEST_URL: 'http://pipelines.example.com/token?api-version=2.0', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt' }, BROKER));
  });

  it("GitHub Actions: the runner's token service gives a token for the broker's audience (or JIT_IDENTITY_AUDIENCE), kept while it has time left", async () => {
    const service = ci.githubTokenService(GITHUB_CLAIMS);
    const source = workloadIdentity({ JIT_IDENTITY: 'github-actions', ...service.env }, BROKER)!;
    const token = await source.token();
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ aud: BROKER, repository: 'octo-org/octo-repo' });
    expect(await source.token()).toBe(token);
    expect(service.audiences).toEqual([BROKER]);
    await workloadIdentity({ JIT_IDENTITY: 'github-actions', JIT_IDENTITY_AUDIENCE: 'jit-prod', ...service.env }, BROKER)!.token();
    expect(service.audiences).toEqual([BROKER, 'jit-prod']);
    const refused = await workloadIdentity({ JIT_IDENTITY: 'github-actions', ...service.env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' }, BROKER)!.token().catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'unavailable', message: "GitHub Actions' token service answered 401 without a token" });
  });
});
