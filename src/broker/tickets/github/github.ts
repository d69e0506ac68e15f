// GitHub's issues API: GET /repos/{owner}/{repo}/issues/{number} (a bearer token, API version 2022-11-28).
// An issue number that is a pull request answers with `pull_request` and is refused; 301 is a transferred
// issue (followed once, on the same API host); 410 is a deleted one; 404, missing or not visible.
import { JitError } from '../../../core/errors.js';
import { askTicketSystem, boundedJsonObject, printable, probeScopes, rateLimited, readToken } from '../ticket-http.js';
import type { TicketDeps, TicketFacts, TicketSystem } from '../ticket-system.js';
import type { GithubConfig } from './schema.js';

interface GithubIssue {
  number?: unknown;
  state?: unknown;
  title?: unknown;
  html_url?: unknown;
  pull_request?: unknown;
  repository_url?: unknown;
  assignees?: ({ login?: unknown } | null)[];
}

export class Github implements TicketSystem {
  constructor(
    private readonly config: GithubConfig,
    private readonly deps: TicketDeps,
  ) {}

  #get(url: string, token: string): Promise<Response> {
    const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'jit' };
    return askTicketSystem(`GitHub at ${this.config.api}`, url, headers, 'manual');
  }

  async probe(): Promise<string> {
    const token = await readToken(this.config.credentials, this.deps, 'GitHub');
    return probeScopes(`GitHub at ${this.config.api}`, this.config.credentials, this.config.repositories, (repository) => {
      const [owner, repo] = repository.split('/') as [string, string];
      return this.#get(`${this.config.api}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`, token);
    });
  }

  async lookup(reference: string): Promise<TicketFacts | undefined> {
    const match = new RegExp(this.config.pattern).exec(reference);
    if (!match) throw new JitError('usage', `${reference} is not an OWNER/REPO#NUMBER issue reference`);
    const [repository, number] = reference.split('#') as [string, string];
    const [owner, repo] = repository.split('/') as [string, string];
    const token = await readToken(this.config.credentials, this.deps, 'GitHub');
    let response = await this.#get(`${this.config.api}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/issues/${number}`, token);
    if (response.status === 301) {
      // A transferred issue: followed once, and only on the same API host.
      const location = response.headers.get('location') ?? '';
      if (!location.startsWith(`${this.config.api}/`)) throw new JitError('unavailable', `GitHub moved ${reference} somewhere jit does not follow`, { hint: 'ask with the issue’s new reference' });
      response = await this.#get(location, token);
    }
    if (response.status >= 300 && response.status < 400) throw new JitError('ticket_rejected', `GitHub moved ${reference} (${response.status}) where jit does not follow`, { hint: 'ask with the issue’s new reference' });
    if (response.status === 404 || response.status === 410) return undefined;
    if (response.status === 401) throw new JitError('unavailable', `GitHub at ${this.config.api} refused jit's token (401)`, { hint: `check ${this.config.credentials}` });
    // GitHub says a rate limit with 429, or 403 and no requests left (a secondary limit: Retry-After).
    if (response.status === 429 || (response.status === 403 && (response.headers.get('x-ratelimit-remaining') === '0' || response.headers.has('retry-after')))) throw rateLimited(`GitHub at ${this.config.api}`, response);
    if (response.status === 403) throw new JitError('unavailable', `GitHub at ${this.config.api} refused jit's token (403)`, { hint: `check ${this.config.credentials} and its access to the repository` });
    if (!response.ok) throw new JitError('unavailable', `GitHub at ${this.config.api} answered ${response.status}`, { hint: 'try again' });
    const issue = (await boundedJsonObject(response, `GitHub at ${this.config.api}`)) as GithubIssue;
    const state = issue.state === 'open' ? 'open' : issue.state === 'closed' ? 'done' : undefined;
    const answeredRepository = typeof issue.repository_url === 'string' ? issue.repository_url.split('/repos/')[1] : repository;
    const key = `${answeredRepository}#${String(issue.number)}`;
    if (!state || typeof issue.number !== 'number') throw new JitError('unavailable', `GitHub answered for ${reference} without a number or state`, { hint: 'check the api address' });
    return {
      key: new RegExp(this.config.pattern).test(key) ? key : '(an invalid reference)',
      state,
      stateName: state === 'open' ? 'open' : 'closed',
      assignee: (Array.isArray(issue.assignees) ? issue.assignees : []).map((person) => person?.login).filter((login): login is string => typeof login === 'string'),
      title: typeof issue.title === 'string' ? printable(issue.title, 200) : '',
      url: typeof issue.html_url === 'string' && /^https?:\/\/[\x21-\x7e]+$/.test(issue.html_url) ? issue.html_url.slice(0, 300) : `${this.config.api}/repos/${owner}/${repo}/issues/${number}`,
      ...(issue.pull_request !== undefined ? { refusal: `${reference} is a pull request, not an issue` } : {}),
    };
  }
}
