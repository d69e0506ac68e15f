// A CI job's proof of who it is, for a team broker: the OIDC identity token its platform mints for it,
// asked for fresh on every call (never stored). Chosen by the environment, once per job:
//   JIT_IDENTITY=github-actions   the runner's token service (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN,
//                                 present with `permissions: id-token: write`), for JIT_IDENTITY_AUDIENCE
//                                 or else the broker's URL
//   JIT_IDENTITY_TOKEN            the token itself: GitLab CI `id_tokens: { JIT_IDENTITY_TOKEN: { aud: … } }`
//   JIT_IDENTITY_TOKEN_FILE       a file re-read on every call (`--identity-token-file`): a Kubernetes
//                                 projected service-account token, which the kubelet rotates in place
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { JitError, displayValue } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';
import type { Environment } from '../core/session-env.js';

export interface WorkloadIdentitySource {
  /** Where the token comes from, for messages: never the token. */
  readonly from: string;
  token(): Promise<string>;
}

const MAX_TOKEN_BYTES = 16 * 1024;
const FETCH_TIMEOUT_MS = 10_000;
/** A fetched token with less left than this is replaced first: it must outlive the call it goes with. */
const REFRESH_MARGIN_SECONDS = 60;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function misconfigured(message: string, hint: string): JitError {
  return new JitError('config', message, { hint });
}

/** A token as the broker takes it, or an error naming where it came from (never its content). */
function checked(text: string, from: string): string {
  const token = text.trim();
  if (token.length === 0) throw misconfigured(`the identity token from ${from} is empty`, 'check that the CI platform mints it for this job');
  if (token.length > MAX_TOKEN_BYTES || !JWT.test(token)) throw misconfigured(`the identity token from ${from} is not a JWT`, 'give jit the OIDC identity token the CI platform minted (three base64url parts)');
  return token;
}

/**
 * The file as it is now. Symlinks are followed on purpose: the kubelet swaps a projected token by
 * repointing `..data`, and the path a person names is theirs to choose; the read is bounded.
 */
function readTokenFile(path: string): string {
  let fd: number;
  try {
    // SECURITY: non-blocking, so that a FIFO with no writer is refused below instead of hanging every call.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw misconfigured(`cannot read the identity token file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, 'check --identity-token-file (or JIT_IDENTITY_TOKEN_FILE) and that the job mounts the token there');
  }
  try {
    if (!fstatSync(fd).isFile()) throw misconfigured(`the identity token file ${path} is not a regular file`, 'point --identity-token-file at the token file itself');
    const buffer = Buffer.alloc(MAX_TOKEN_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return checked(buffer.subarray(0, length).toString('utf8'), path);
  } finally {
    closeSync(fd);
  }
}

/** GitHub Actions' token service: a fresh token for our audience, kept while it has time left. */
function githubActions(env: Environment, audience: string): WorkloadIdentitySource {
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    throw misconfigured('JIT_IDENTITY=github-actions, but this job has no ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN', 'give the job `permissions: id-token: write` in the workflow');
  }
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    throw misconfigured('ACTIONS_ID_TOKEN_REQUEST_URL is not a URL', 'run jit in a GitHub Actions job that has `permissions: id-token: write`');
  }
  // SECURITY: the request token is a bearer credential of the job: never sent in the clear off this machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw misconfigured('ACTIONS_ID_TOKEN_REQUEST_URL is not https://', 'run jit in a GitHub Actions job that has `permissions: id-token: write`');
  }
  url.searchParams.set('audience', audience);
  let kept: { token: string; expiresAt: number } | undefined;
  return {
    from: 'GitHub Actions',
    async token() {
      if (kept && kept.expiresAt - REFRESH_MARGIN_SECONDS > Date.now() / 1000) return kept.token;
      const response = await fetch(url, { headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch((error: unknown) => {
        throw new JitError('unavailable', 'GitHub Actions\' token service cannot be reached', { hint: 'try again; the runner asks it at ACTIONS_ID_TOKEN_REQUEST_URL', cause: error });
      });
      const body = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
      if (!response.ok || typeof body?.value !== 'string') {
        throw new JitError('unavailable', `GitHub Actions' token service answered ${response.status} without a token`, { hint: 'check that the job has `permissions: id-token: write`' });
      }
      const token = checked(body.value, 'GitHub Actions');
      const { exp } = decodeJwt(token);
      kept = { token, expiresAt: typeof exp === 'number' ? exp : 0 };
      return token;
    },
  };
}

/**
 * The source the environment names, or undefined for a person (who logs in with `jit login`). More than
 * one named is refused: which identity a job acts as is never a guess.
 */
export function workloadIdentity(env: Environment, brokerUrl: string): WorkloadIdentitySource | undefined {
  const named = [env.JIT_IDENTITY && 'JIT_IDENTITY', env.JIT_IDENTITY_TOKEN && 'JIT_IDENTITY_TOKEN', env.JIT_IDENTITY_TOKEN_FILE && 'JIT_IDENTITY_TOKEN_FILE'].filter(Boolean);
  if (named.length > 1) throw misconfigured(`${named.join(' and ')} are both set: a job proves itself one way`, 'keep the one this CI platform gives (README.md, "Workload identity for CI")');
  if (env.JIT_IDENTITY_TOKEN_FILE) {
    const path = env.JIT_IDENTITY_TOKEN_FILE;
    return { from: path, token: async () => readTokenFile(path) };
  }
  if (env.JIT_IDENTITY_TOKEN) {
    const token = checked(env.JIT_IDENTITY_TOKEN, 'JIT_IDENTITY_TOKEN');
    return { from: 'JIT_IDENTITY_TOKEN', token: async () => token };
  }
  if (env.JIT_IDENTITY === undefined || env.JIT_IDENTITY === '') return undefined;
  if (env.JIT_IDENTITY !== 'github-actions') {
    throw misconfigured(`JIT_IDENTITY=${displayValue(env.JIT_IDENTITY)} is not a source jit knows`, 'set JIT_IDENTITY=github-actions, or give the token in JIT_IDENTITY_TOKEN or JIT_IDENTITY_TOKEN_FILE');
  }
  return githubActions(env, env.JIT_IDENTITY_AUDIENCE || brokerUrl);
}
