// ServiceNow's Table API: GET /api/now/table/{change_request|incident}?sysparm_query=number=CHG0000001,
// every value a string. The number goes into the query only after the role's pattern accepted it (`^` is
// AND and `^OR` is OR there, so nothing but letters and digits may reach it), as an exact value.
import { JitError } from '../../../core/errors.js';
import { askTicketSystem, authorization, boundedJsonObject, printable, probeScopes, rateLimited, readToken } from '../ticket-http.js';
import type { TicketDeps, TicketFacts, TicketSystem } from '../ticket-system.js';
import { DEFAULT_STATES, NUMBER_PREFIX, type ServicenowConfig, type ServicenowTable } from './schema.js';

const FIELDS = 'number,state,short_description,sys_id,assigned_to.user_name,assigned_to.email';

type ServicenowRecord = Record<string, unknown>;

export class Servicenow implements TicketSystem {
  constructor(
    private readonly config: ServicenowConfig,
    private readonly deps: TicketDeps,
  ) {}

  async #headers(): Promise<Record<string, string>> {
    return { authorization: authorization(this.config.auth, await readToken(this.config.credentials, this.deps, 'ServiceNow')), accept: 'application/json' };
  }

  async probe(): Promise<string> {
    const headers = await this.#headers();
    const system = `ServiceNow at ${this.config.instance}`;
    return probeScopes(system, this.config.credentials, this.config.tables, (table) => askTicketSystem(system, `${this.config.instance}/api/now/table/${table}?sysparm_limit=1&sysparm_fields=number`, headers));
  }

  async lookup(number: string): Promise<TicketFacts | undefined> {
    // SECURITY: the strict pattern (prefix and digits) is the whole defence of sysparm_query; checked here again, whatever the caller did.
    if (!new RegExp(this.config.pattern).test(number)) throw new JitError('usage', `${number} is not a ServiceNow number this role takes`);
    const table = this.config.tables.find((name) => number.startsWith(NUMBER_PREFIX[name]))!;
    const headers = await this.#headers();
    const query = new URLSearchParams({ sysparm_query: `number=${number}`, sysparm_fields: FIELDS, sysparm_limit: '1', sysparm_exclude_reference_link: 'true' });
    const system = `ServiceNow at ${this.config.instance}`;
    const response = await askTicketSystem(system, `${this.config.instance}/api/now/table/${table}?${query}`, headers);
    // With no match some instances answer 200 with no records, others 404: both are "not found".
    if (response.status === 404) return undefined;
    if (response.status === 401 || response.status === 403) throw new JitError('unavailable', `${system} refused jit's credentials (${response.status})`, { hint: `check ${this.config.credentials} and its account's read access to ${table}` });
    if (response.status === 429) throw rateLimited(system, response);
    if (!response.ok) throw new JitError('unavailable', `${system} answered ${response.status}`, { hint: 'try again; check the instance' });
    const { result } = await boundedJsonObject(response, system);
    if (!Array.isArray(result)) throw new JitError('unavailable', `${system} answered for ${number} without a result list`, { hint: 'check the instance' });
    const record = result[0] as ServicenowRecord | undefined;
    // An answer for another number (a query the instance read otherwise) is no answer about this one.
    if (!record || record.number !== number) return undefined;
    return this.#facts(table, number, record);
  }

  #facts(table: ServicenowTable, number: string, record: ServicenowRecord): TicketFacts {
    const value = typeof record.state === 'string' && /^-?[0-9]{1,4}$/.test(record.state) ? record.state : undefined;
    if (value === undefined) throw new JitError('unavailable', `ServiceNow answered for ${number} without a state`, { hint: 'check that jit’s account may read the state field' });
    const known = DEFAULT_STATES[table][value];
    const state = this.config.states[table]?.[value] ?? known?.state;
    const sysId = typeof record.sys_id === 'string' && /^[0-9a-f]{32}$/.test(record.sys_id) ? record.sys_id : undefined;
    return {
      key: number,
      state: state ?? 'done',
      stateName: known?.name ?? `state ${value}`,
      assignee: [record['assigned_to.user_name'], record['assigned_to.email']].filter((name): name is string => typeof name === 'string' && name !== ''),
      title: typeof record.short_description === 'string' ? printable(record.short_description, 200) : '',
      url: sysId ? `${this.config.instance}/${table}.do?sys_id=${sysId}` : `${this.config.instance}/${table}_list.do`,
      // SECURITY: a state this policy does not map (an instance's own) allows nothing until someone maps it.
      ...(state ? {} : { refusal: `ticket ${number} is in state ${value}, which this role's policy does not map; add it under ticket.states.${table}` }),
    };
  }
}
