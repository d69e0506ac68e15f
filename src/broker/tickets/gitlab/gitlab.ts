// GitLab's issues API: GET /api/v4/projects/:id/issues/:iid with PRIVATE-TOKEN. The project goes in as
// its URL-encoded path (group%2Fproject), the one place its slashes may appear; state opened|closed.
import { JitError, UNSAFE_TEXT } from '../../../core/errors.js';
import { readSecretReference } from '../../issuers/secret-reference.js';
import type { TicketDeps, TicketFacts, TicketSystem } from '../ticket-system.js';
import type { GitlabConfig } from './schema.js';

const TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;

interface GitlabIssue {
  iid?: unknown;
  state?: unknown;
  title?: unknown;
  web_url?: unknown;
  references?: { full?: unknown };
  assignees?: { username?: unknown }[];
}

function printable(text: string, length: number): string {
  return text.replace(new RegExp(UNSAFE_TEXT.source, 'g'), '?').slice(0, length);
}

export class Gitlab implements TicketSystem {
  constructor(
    private readonly config: GitlabConfig,
    private readonly deps: TicketDeps,
  ) {}

  async lookup(reference: string): Promise<TicketFacts | undefined> {
    if (!new RegExp(this.config.pattern).test(reference)) throw new JitError('usage', `${reference} is not a GROUP/PROJECT#NUMBER issue reference`);
    const [project, iid] = reference.split('#') as [string, string];
    const token = await readSecretReference(this.config.credentials, this.deps);
    if (!/^[\x21-\x7e]+$/.test(token)) throw new JitError('config', `the GitLab token in ${this.config.credentials} is not a token (spaces, line breaks or other characters)`, { hint: 'store the token alone, on one line' });
    let response: Response;
    try {
      response = await fetch(`${this.config.site}/api/v4/projects/${encodeURIComponent(project)}/issues/${iid}`, {
        headers: { 'private-token': token, accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const kind = (error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000}s` : ((error as { cause?: { code?: unknown } }).cause?.code ?? 'no connection');
      throw new JitError('unavailable', `GitLab at ${this.config.site} did not answer (${String(kind).slice(0, 40)})`, { hint: 'check the site and the network' });
    }
    if (response.status === 404) return undefined;
    if (response.status === 401 || response.status === 403) throw new JitError('unavailable', `GitLab at ${this.config.site} refused jit's token (${response.status})`, { hint: `check ${this.config.credentials}` });
    if (response.status === 429) throw new JitError('unavailable', `GitLab at ${this.config.site} is rate-limiting jit`, { hint: 'try again shortly' });
    if (!response.ok) throw new JitError('unavailable', `GitLab at ${this.config.site} answered ${response.status}`, { hint: 'try again' });
    if (Number(response.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) throw new JitError('unavailable', `GitLab answered for ${reference} with more than 1 MiB`);
    let issue: GitlabIssue;
    try {
      const parsed: unknown = JSON.parse((await response.text()).slice(0, MAX_BODY_BYTES));
      issue = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as GitlabIssue;
    } catch {
      issue = {};
    }
    const state = issue.state === 'opened' ? 'open' : issue.state === 'closed' ? 'done' : undefined;
    if (!state || typeof issue.iid !== 'number') throw new JitError('unavailable', `GitLab answered for ${reference} without an iid or state`, { hint: 'check the site' });
    const answered = typeof issue.references?.full === 'string' ? issue.references.full : reference;
    return {
      key: new RegExp(this.config.pattern).test(answered) ? answered : '(an invalid reference)',
      state,
      stateName: state === 'open' ? 'opened' : 'closed',
      assignee: (issue.assignees ?? []).map((person) => person.username).filter((name): name is string => typeof name === 'string'),
      title: typeof issue.title === 'string' ? printable(issue.title, 200) : '',
      url: typeof issue.web_url === 'string' && /^https?:\/\/[\x21-\x7e]+$/.test(issue.web_url) ? issue.web_url.slice(0, 300) : `${this.config.site}/${project}/-/issues/${iid}`,
    };
  }
}
