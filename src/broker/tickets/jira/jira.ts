// Jira Cloud's and Data Center's issue API: GET /rest/api/{3|2}/issue/{key}?fields=status,assignee,summary.
// The key goes into the path only after the role's pattern (and project list) accepted it, never into JQL.
import { JitError } from '../../../core/errors.js';
import { askTicketSystem, authorization, boundedJsonObject, printable, probeScopes, rateLimited, readToken } from '../ticket-http.js';
import type { TicketDeps, TicketFacts, TicketState, TicketSystem } from '../ticket-system.js';
import type { JiraConfig } from './schema.js';

const CATEGORY = new Map<unknown, TicketState>([['new', 'open'], ['indeterminate', 'in_progress'], ['done', 'done']]);

interface JiraIssue {
  key?: unknown;
  fields?: { summary?: unknown; status?: { name?: unknown; statusCategory?: { key?: unknown } }; assignee?: { accountId?: unknown; emailAddress?: unknown; name?: unknown } | null };
}

export class Jira implements TicketSystem {
  constructor(
    private readonly config: JiraConfig,
    private readonly deps: TicketDeps,
  ) {}

  async #headers(): Promise<Record<string, string>> {
    return { authorization: authorization(this.config.auth, await readToken(this.config.credentials, this.deps, 'Jira')), accept: 'application/json' };
  }

  async probe(): Promise<string> {
    const headers = await this.#headers();
    const api = this.config.auth === 'basic' ? 3 : 2;
    const system = `Jira at ${this.config.site}`;
    return probeScopes(system, this.config.credentials, this.config.projects, (project) => askTicketSystem(system, `${this.config.site}/rest/api/${api}/project/${project}`, headers));
  }

  async lookup(key: string): Promise<TicketFacts | undefined> {
    if (!new RegExp(this.config.pattern).test(key)) throw new JitError('usage', `${key} is not a Jira issue key`);
    const headers = await this.#headers();
    const api = this.config.auth === 'basic' ? 3 : 2;
    const url = `${this.config.site}/rest/api/${api}/issue/${encodeURIComponent(key)}?fields=status,assignee,summary`;
    const response = await askTicketSystem(`Jira at ${this.config.site}`, url, headers);
    if (response.status === 404) return undefined;
    if (response.status === 401 || response.status === 403) {
      throw new JitError('unavailable', `Jira at ${this.config.site} refused jit's credentials (${response.status})`, { hint: `check ${this.config.credentials}` });
    }
    if (response.status === 429) throw rateLimited(`Jira at ${this.config.site}`, response);
    if (!response.ok) throw new JitError('unavailable', `Jira at ${this.config.site} answered ${response.status}`, { hint: 'try again; check the site' });
    const issue = (await boundedJsonObject(response, `Jira at ${this.config.site}`)) as JiraIssue;
    const category = CATEGORY.get(issue.fields?.status?.statusCategory?.key);
    if (typeof issue.key !== 'string' || !category) throw new JitError('unavailable', `Jira at ${this.config.site} answered for ${key} without a key or status category`, { hint: 'check the site' });
    const assignee = issue.fields?.assignee;
    // SECURITY: what Jira says reaches terminals and the audit: a key that is not one is shown as moved
    // to something unreadable, and names lose their control characters.
    const answeredKey = new RegExp(this.config.pattern).test(issue.key) ? issue.key : '(an invalid key)';
    return {
      key: answeredKey,
      state: category,
      stateName: typeof issue.fields?.status?.name === 'string' ? printable(issue.fields.status.name, 60) : category,
      assignee: assignee ? [assignee.accountId, assignee.emailAddress, assignee.name].filter((value): value is string => typeof value === 'string') : [],
      title: typeof issue.fields?.summary === 'string' ? printable(issue.fields.summary, 200) : '',
      url: `${this.config.site}/browse/${encodeURIComponent(answeredKey)}`,
    };
  }
}
