// PagerDuty's REST API v2: GET /incidents/{id}?include[]=assignees with `Authorization: Token token=KEY`.
// The id goes into the path only after the pattern accepted it; status triggered|acknowledged|resolved;
// errors answer {"error":{"message","code"}}, 429 when rate-limited.
import { JitError } from '../../../core/errors.js';
import { askTicketSystem, boundedJsonObject, printable, probeScopes, rateLimited, readToken } from '../ticket-http.js';
import type { TicketDeps, TicketFacts, TicketState, TicketSystem } from '../ticket-system.js';
import type { PagerdutyConfig } from './schema.js';

const STATUS = new Map<unknown, TicketState>([['triggered', 'open'], ['acknowledged', 'in_progress'], ['resolved', 'done']]);

interface PagerdutyIncident {
  id?: unknown;
  title?: unknown;
  status?: unknown;
  html_url?: unknown;
  service?: { id?: unknown };
  assignments?: ({ assignee?: { id?: unknown; email?: unknown } } | null)[];
}

export class Pagerduty implements TicketSystem {
  constructor(
    private readonly config: PagerdutyConfig,
    private readonly deps: TicketDeps,
  ) {}

  async #headers(): Promise<Record<string, string>> {
    const key = await readToken(this.config.credentials, this.deps, 'PagerDuty');
    // SECURITY: the key goes in a header only; never in a URL, a message or the audit.
    return { authorization: `Token token=${key}`, accept: 'application/vnd.pagerduty+json;version=2' };
  }

  async probe(): Promise<string> {
    const headers = await this.#headers();
    const system = `PagerDuty at ${this.config.api}`;
    // Without services, the account's abilities: an answer any valid key gets.
    const scopes = this.config.services?.map((id) => `services/${id}`) ?? ['abilities'];
    return probeScopes(system, this.config.credentials, scopes, (scope) => askTicketSystem(system, `${this.config.api}/${scope}`, headers));
  }

  async lookup(id: string): Promise<TicketFacts | undefined> {
    if (!new RegExp(this.config.pattern).test(id)) throw new JitError('usage', `${id} is not a PagerDuty incident id`);
    const headers = await this.#headers();
    const system = `PagerDuty at ${this.config.api}`;
    const response = await askTicketSystem(system, `${this.config.api}/incidents/${id}?include%5B%5D=assignees`, headers);
    if (response.status === 404) return undefined;
    if (response.status === 401 || response.status === 403) throw new JitError('unavailable', `${system} refused jit's API key (${response.status})`, { hint: `check ${this.config.credentials}` });
    if (response.status === 429) throw rateLimited(system, response);
    if (!response.ok) throw new JitError('unavailable', `${system} answered ${response.status}`, { hint: 'try again' });
    const incident = ((await boundedJsonObject(response, system)).incident ?? {}) as PagerdutyIncident;
    const state = STATUS.get(incident.status);
    if (incident.id !== id || !state) throw new JitError('unavailable', `${system} answered for ${id} without its id or a status`, { hint: 'check the api address' });
    const service = typeof incident.service?.id === 'string' ? incident.service.id : '';
    return {
      key: id,
      state,
      stateName: incident.status as string,
      assignee: (Array.isArray(incident.assignments) ? incident.assignments : []).flatMap((assignment) => [assignment?.assignee?.email, assignment?.assignee?.id]).filter((name): name is string => typeof name === 'string'),
      title: typeof incident.title === 'string' ? printable(incident.title, 200) : '',
      url: typeof incident.html_url === 'string' && /^https?:\/\/[\x21-\x7e]+$/.test(incident.html_url) ? incident.html_url.slice(0, 300) : `${this.config.api}/incidents/${id}`,
      ...(this.config.services && !this.config.services.includes(service) ? { refusal: `incident ${id} is not on ${this.config.services.join(' or ')}, the services this role takes` } : {}),
    };
  }
}
