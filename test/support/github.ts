// A loopback double of GitHub's issues API, written from GitHub's REST documentation: GET
// /repos/{owner}/{repo}/issues/{issue_number} with a bearer token, `application/vnd.github+json` and
// X-GitHub-Api-Version 2022-11-28 answers the issue (number, state open|closed, title, html_url,
// assignees, repository_url, and pull_request for a pull request); 301 with the new issue's API URL when
// it was transferred; 410 when deleted; 404 when missing or not visible. Any other request is recorded as
// unexpected and answered 500.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface GithubIssueDouble {
  state: 'open' | 'closed';
  assignees?: string[];
  pullRequest?: boolean;
  /** `owner/repo#n` it was transferred to. */
  transferredTo?: string;
  deleted?: boolean;
}

export interface GithubDouble {
  api: string;
  token: string;
  issues: Map<string, GithubIssueDouble>;
  /** `exhaustedUntil` (epoch seconds): the token's rate limit is spent until then. */
  state: { exhaustedUntil?: number | undefined };
  /** The repositories jit's token may read. */
  repositories: Set<string>;
  requests: string[];
  unexpected: string[];
  close(): Promise<void>;
}

export async function startGithub(): Promise<GithubDouble> {
  const token = 'github_pat_11AAAAAAA0jitTestTokenValue';
  const issues = new Map<string, GithubIssueDouble>();
  const repositories = new Set(['acme/orders']);
  const requests: string[] = [];
  const unexpected: string[] = [];
  let api = '';
  const moved = new Map<string, string>(); // /repositories/N/issues/M → owner/repo#m
  const body = (reference: string, issue: GithubIssueDouble) => {
    const [repository, number] = reference.split('#') as [string, string];
    return {
      number: Number(number),
      state: issue.state,
      title: 'A task',
      html_url: `https://github.example/${repository}/issues/${number}`,
      repository_url: `${api}/repos/${repository}`,
      assignees: (issue.assignees ?? []).map((login) => ({ login })),
      ...(issue.pullRequest ? { pull_request: { url: `${api}/repos/${repository}/pulls/${number}` } } : {}),
    };
  };
  const state: { exhaustedUntil?: number | undefined } = {};
  const answer = (request: IncomingMessage): { status: number; body?: unknown; location?: string; headers?: Record<string, string> } => {
    const url = new URL(request.url ?? '/', 'http://github.invalid');
    const headersRight =
      request.headers.accept === 'application/vnd.github+json' && request.headers['x-github-api-version'] === '2022-11-28';
    if (request.method !== 'GET' || !headersRight || url.search !== '') return { status: 500, body: { unexpected: true } };
    if (request.headers.authorization !== `Bearer ${token}`) return { status: 401, body: { message: 'Bad credentials' } };
    const transferred = moved.get(url.pathname);
    if (transferred) return { status: 200, body: body(transferred, issues.get(transferred)!) };
    // GET /repos/{owner}/{repo}: the repository, or 404 when missing or not visible.
    const repository = /^\/repos\/([^/]+\/[^/]+)$/.exec(url.pathname)?.[1];
    if (repository) return repositories.has(repository) ? { status: 200, body: { full_name: repository, has_issues: true, private: true } } : { status: 404, body: { message: 'Not Found' } };
    // The primary rate limit spent: 403, no requests left, the reset as an epoch second.
    if (state.exhaustedUntil) return { status: 403, body: { message: 'API rate limit exceeded for user ID 1.' }, headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(state.exhaustedUntil) } };
    const match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/([1-9][0-9]*)$/.exec(url.pathname);
    if (!match) return { status: 500, body: { unexpected: true } };
    const reference = `${decodeURIComponent(match[1]!)}/${decodeURIComponent(match[2]!)}#${match[3]}`;
    const issue = issues.get(reference);
    if (!issue) return { status: 404, body: { message: 'Not Found' } };
    if (issue.deleted) return { status: 410, body: { message: 'This issue was deleted' } };
    if (issue.transferredTo) {
      const path = `/repositories/4242/issues/${issue.transferredTo.split('#')[1]}`;
      moved.set(path, issue.transferredTo);
      return { status: 301, body: { message: 'Moved Permanently' }, location: `${api}${path}` };
    }
    return { status: 200, body: body(reference, issue) };
  };
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const { status, body: payload, location, headers } = answer(request);
    if (status === 500) unexpected.push(`${request.method} ${request.url}`);
    response.writeHead(status, { 'content-type': 'application/json', ...(location ? { location } : {}), ...headers }).end(JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { api, token, issues, repositories, requests, unexpected, state, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
