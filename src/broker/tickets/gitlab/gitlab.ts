// GitLab's issues API: GET /api/v4/projects/:id/issues/:iid with PRIVATE-TOKEN. The project goes in as
// its URL-encoded path (group%2Fproject), the one place its slashes may appear; state opened|closed.
import { JitError } from '../../../core/errors.js';
import { askTicketSystem, boundedJsonObject, printable, probeScopes, rateLimited, readToken } from '../ticket-http.js';
import type { TicketDeps, TicketFacts, TicketSystem } from '../ticket-system.js';
import type { GitlabConfig } from './schema.js';

interface GitlabIssue {
  iid?: unknown;
  state?: unknown;
  title?: unknown;
  web_url?: unknown;
  references?: { full?: unknown };
  assignees?: ({ username?: unknown } | null)[];
}

export class Gitlab implements TicketSystem {
  constructor(
    private readonly config: GitlabConfig,
    private readonly deps: TicketDeps,
  ) {}

  async probe(): Promise<string> {
    const token = await readToken(this.config.credentials, this.deps, 'GitLab');
    const system = `GitLab at ${this.config.site}`;
    return probeScopes(system, this.config.credentials, this.config.projects, (project) =>
      askTicketSystem(system, `${this.config.site}/api/v4/projects/${encodeURIComponent(project)}`, { 'private-token': token, accept: 'application/json' }),
    );
  }

  async lookup(reference: string): Promise<TicketFacts | undefined> {
    if (!new RegExp(this.config.pattern).test(reference)) throw new JitError('usage', `${reference} is not a GROUP/PROJECT#NUMBER issue reference`);
    const [project, iid] = reference.split('#') as [string, string];
    const token = await readToken(this.config.credentials, this.deps, 'GitLab');
    const url = `${this.config.site}/api/v4/projects/${encodeURIComponent(project)}/issues/${iid}`;
    const response = await askTicketSystem(`GitLab at ${this.config.site}`, url, { 'private-token': token, accept: 'application/json' });
    if (response.status === 404) return undefined;
    if (response.status === 401 || response.status === 403) throw new JitError('unavailable', `GitLab at ${this.config.site} refused jit's token (${response.status})`, { hint: `check ${this.config.credentials}` });
    if (response.status === 429) throw rateLimited(`GitLab at ${this.config.site}`, response);
    if (!response.ok) throw new JitError('unavailable', `GitLab at ${this.config.site} answered ${response.status}`, { hint: 'try again' });
    const issue = (await boundedJsonObject(response, `GitLab at ${this.config.site}`)) as GitlabIssue;
    const state = issue.state === 'opened' ? 'open' : issue.state === 'closed' ? 'done' : undefined;
    if (!state || typeof issue.iid !== 'number') throw new JitError('unavailable', `GitLab answered for ${reference} without an iid or state`, { hint: 'check the site' });
    const answered = typeof issue.references?.full === 'string' ? issue.references.full : reference;
    return {
      key: new RegExp(this.config.pattern).test(answered) ? answered : '(an invalid reference)',
      state,
      stateName: state === 'open' ? 'opened' : 'closed',
      assignee: (Array.isArray(issue.assignees) ? issue.assignees : []).map((person) => person?.username).filter((name): name is string => typeof name === 'string'),
      title: typeof issue.title === 'string' ? printable(issue.title, 200) : '',
      url: typeof issue.web_url === 'string' && /^https?:\/\/[\x21-\x7e]+$/.test(issue.web_url) ? issue.web_url.slice(0, 300) : `${this.config.site}/${project}/-/issues/${iid}`,
    };
  }
}
