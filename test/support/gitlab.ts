// A loopback double of GitLab's issues API, written from GitLab's REST documentation: GET
// /api/v4/projects/:id/issues/:issue_iid with a PRIVATE-TOKEN header, where :id is the project's numeric id
// or its URL-encoded path (group%2Fproject); it answers iid, state opened|closed, title, web_url,
// references.full and assignees (username); 404 when missing or not visible, 401 for a bad token. Any
// other request is recorded as unexpected and answered 500.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface GitlabIssueDouble {
  state: 'opened' | 'closed';
  assignees?: string[];
}

export interface GitlabDouble {
  site: string;
  token: string;
  issues: Map<string, GitlabIssueDouble>;
  /** The projects jit's token may read. */
  projects: Set<string>;
  requests: string[];
  unexpected: string[];
  close(): Promise<void>;
}

export async function startGitlab(): Promise<GitlabDouble> {
  const token = 'glpat-jitTestTokenValue0123';
  const issues = new Map<string, GitlabIssueDouble>();
  const projects = new Set(['acme/orders', 'acme/platform/orders']);
  const requests: string[] = [];
  const unexpected: string[] = [];
  let site = '';
  const answer = (request: IncomingMessage): { status: number; body: unknown } => {
    // The raw path: the project's slashes arrive encoded, and must stay one segment.
    // GET /api/v4/projects/:id: the project, or 404 when missing or not visible.
    const asked = /^\/api\/v4\/projects\/([^/?]+)$/.exec(request.url ?? '')?.[1];
    if (request.method === 'GET' && asked) {
      if (request.headers['private-token'] !== token) return { status: 401, body: { message: '401 Unauthorized' } };
      return projects.has(decodeURIComponent(asked)) ? { status: 200, body: { id: 42, path_with_namespace: decodeURIComponent(asked), issues_enabled: true } } : { status: 404, body: { message: '404 Project Not Found' } };
    }
    const match = /^\/api\/v4\/projects\/([^/?]+)\/issues\/([1-9][0-9]*)$/.exec(request.url ?? '');
    if (request.method !== 'GET' || !match) return { status: 500, body: { unexpected: true } };
    if (request.headers['private-token'] !== token) return { status: 401, body: { message: '401 Unauthorized' } };
    const project = decodeURIComponent(match[1]!);
    const reference = `${project}#${match[2]}`;
    const issue = issues.get(reference);
    if (!issue) return { status: 404, body: { message: '404 Not found' } };
    return {
      status: 200,
      body: {
        id: 900,
        iid: Number(match[2]),
        project_id: 42,
        state: issue.state,
        title: 'A task',
        web_url: `https://gitlab.example/${project}/-/issues/${match[2]}`,
        references: { short: `#${match[2]}`, relative: `#${match[2]}`, full: reference },
        assignees: (issue.assignees ?? []).map((username) => ({ username })),
      },
    };
  };
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const { status, body } = answer(request);
    if (status === 500) unexpected.push(`${request.method} ${request.url}`);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { site, token, issues, projects, requests, unexpected, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
