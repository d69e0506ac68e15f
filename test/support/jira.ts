// A loopback double of Jira's issue API, written from Atlassian's REST documentation: GET
// /rest/api/3/issue/{issueIdOrKey}?fields=… with Basic auth (email:API token; Jira Data Center: API v2
// with a personal access token as Bearer) answers the issue with
// `key` and the asked `fields` (status.statusCategory.key new|indeterminate|done, assignee, summary);
// an unknown key or one the account may not see is 404 with errorMessages. Any other request is
// recorded as unexpected (and answered 500) so that a changed request shape fails the test.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface JiraIssueDouble {
  /** The key Jira answers with: another one when the issue moved. */
  key?: string;
  status: { name: string; category: 'new' | 'indeterminate' | 'done' };
  assignee?: { accountId: string; emailAddress?: string; displayName: string } | null;
  summary?: string;
}

export interface JiraDouble {
  site: string;
  /** `email:token`, as the policy's credentials reference must give it. */
  credentials: string;
  /** Jira Data Center's personal access token (auth: bearer, API v2). */
  personalAccessToken: string;
  issues: Map<string, JiraIssueDouble>;
  /** The projects jit's account may see. */
  projects: Set<string>;
  requests: string[];
  unexpected: string[];
  close(): Promise<void>;
}

export async function startJira(): Promise<JiraDouble> {
  const credentials = 'jit-bot@example.com:atlassian-api-token-1234';
  const personalAccessToken = 'NjE2MDM4NzQ3OTcwOpQ8dataCenterPAT';
  const issues = new Map<string, JiraIssueDouble>();
  const projects = new Set(['OPS', 'DBA']);
  const requests: string[] = [];
  const unexpected: string[] = [];
  // Cloud: API v3 with Basic email:API token. Data Center: API v2 with a personal access token as Bearer.
  const authorized = (request: IncomingMessage, url: URL) =>
    url.pathname.startsWith('/rest/api/3/') ? request.headers.authorization === `Basic ${Buffer.from(credentials).toString('base64')}` : request.headers.authorization === `Bearer ${personalAccessToken}`;
  const answer = (request: IncomingMessage): { status: number; body: unknown } => {
    const url = new URL(request.url ?? '/', 'http://jira.invalid');
    // GET /rest/api/3/project/{projectIdOrKey}: the project, or 404 when missing or not visible.
    const project = /^\/rest\/api\/[23]\/project\/([A-Z][A-Z0-9_]+)$/.exec(url.pathname)?.[1];
    if (request.method === 'GET' && project && url.search === '') {
      if (!authorized(request, url)) return { status: 401, body: { errorMessages: ['You are not authenticated.'] } };
      return projects.has(project) ? { status: 200, body: { id: '10000', key: project, name: project, projectTypeKey: 'software' } } : { status: 404, body: { errorMessages: [`No project could be found with key '${project}'.`], errors: {} } };
    }
    const match = /^\/rest\/api\/[23]\/issue\/([^/]+)$/.exec(url.pathname);
    if (request.method !== 'GET' || !match || url.searchParams.get('fields') !== 'status,assignee,summary') return { status: 500, body: { unexpected: true } };
    if (!authorized(request, url)) return { status: 401, body: { errorMessages: ['You are not authenticated.'] } };
    const key = decodeURIComponent(match[1]!);
    const issue = issues.get(key);
    if (!issue) return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
    return {
      status: 200,
      body: {
        id: '10001',
        key: issue.key ?? key,
        fields: {
          summary: issue.summary ?? 'A task',
          status: { name: issue.status.name, statusCategory: { key: issue.status.category, name: issue.status.category } },
          assignee: issue.assignee ?? null,
        },
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
  const { port } = server.address() as { port: number };
  return {
    site: `http://127.0.0.1:${port}`,
    credentials,
    personalAccessToken,
    issues,
    projects,
    requests,
    unexpected,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
