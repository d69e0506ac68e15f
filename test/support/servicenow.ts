// A loopback double of ServiceNow's Table API, written from ServiceNow's REST documentation: GET
// /api/now/table/{tableName} with Basic auth and sysparm_query (conditions joined by ^, each
// FIELD=VALUE here), sysparm_fields (dot-walked reference fields come back under their dotted names),
// sysparm_limit and sysparm_exclude_reference_link; it answers {"result":[...]} with every value a string.
// With no match it answers 200 {"result":[]} or, like some instances, 404 with an error body. Any other
// request (another parameter, a query with more than one condition) is recorded as unexpected, answered 500.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface ServicenowRecordDouble {
  state: string;
  assignee?: { user_name: string; email: string };
  short_description?: string;
}

export interface ServicenowDouble {
  instance: string;
  /** `user:password`, as the policy's credentials reference must give it. */
  credentials: string;
  /** Records by number (CHG0000001, INC0010001); the prefix names the table. */
  records: Map<string, ServicenowRecordDouble>;
  /** How this instance answers a query that matches nothing. */
  notFound: 'empty' | '404';
  requests: string[];
  unexpected: string[];
  close(): Promise<void>;
}

const TABLE_OF_PREFIX: Record<string, string> = { CHG: 'change_request', INC: 'incident' };
const PARAMETERS = ['sysparm_query', 'sysparm_fields', 'sysparm_limit', 'sysparm_exclude_reference_link'];

export async function startServicenow(): Promise<ServicenowDouble> {
  const credentials = 'jit.integration:S3rvice-Now-Passw0rd';
  const double = { records: new Map<string, ServicenowRecordDouble>(), notFound: 'empty' as 'empty' | '404', requests: [] as string[], unexpected: [] as string[] };
  const answer = (request: IncomingMessage): { status: number; body: unknown } => {
    const url = new URL(request.url ?? '/', 'http://servicenow.invalid');
    const table = /^\/api\/now\/table\/([a-z_]+)$/.exec(url.pathname)?.[1];
    // A table's first record, number only: what reading the table at all looks like.
    if (request.method === 'GET' && table && url.search === '?sysparm_limit=1&sysparm_fields=number') {
      if (request.headers.authorization !== `Basic ${Buffer.from(credentials).toString('base64')}`) return { status: 401, body: { error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' } };
      return Object.values(TABLE_OF_PREFIX).includes(table) ? { status: 200, body: { result: [{ number: 'CHG0000001' }] } } : { status: 403, body: { error: { message: 'User Not Authorized', detail: 'ACL Exception' }, status: 'failure' } };
    }
    const conditions = (url.searchParams.get('sysparm_query') ?? '').split('^');
    const fields = (url.searchParams.get('sysparm_fields') ?? '').split(',');
    const wellFormed =
      request.method === 'GET' &&
      table !== undefined &&
      [...url.searchParams.keys()].every((name) => PARAMETERS.includes(name)) &&
      conditions.length === 1 &&
      /^number=[A-Z]+[0-9]+$/.test(conditions[0]!) &&
      url.searchParams.get('sysparm_limit') === '1' &&
      url.searchParams.get('sysparm_exclude_reference_link') === 'true';
    if (!wellFormed) return { status: 500, body: { unexpected: true } };
    if (request.headers.authorization !== `Basic ${Buffer.from(credentials).toString('base64')}`) return { status: 401, body: { error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' } };
    const number = conditions[0]!.slice('number='.length);
    const record = TABLE_OF_PREFIX[number.slice(0, 3)] === table ? double.records.get(number) : undefined;
    if (!record) {
      return double.notFound === 'empty' ? { status: 200, body: { result: [] } } : { status: 404, body: { error: { message: 'No Record found', detail: 'Records matching query not found. Check query parameter or offset parameter' }, status: 'failure' } };
    }
    const full: Record<string, string> = {
      number,
      state: record.state,
      short_description: record.short_description ?? 'Rotate the orders database credentials',
      sys_id: '9d385017c611228701d22104cc95c371',
      'assigned_to.user_name': record.assignee?.user_name ?? '',
      'assigned_to.email': record.assignee?.email ?? '',
    };
    return { status: 200, body: { result: [Object.fromEntries(fields.filter((field) => field in full).map((field) => [field, full[field]]))] } };
  };
  const server: Server = createServer((request, response) => {
    double.requests.push(`${request.method} ${request.url}`);
    const { status, body } = answer(request);
    if (status === 500) double.unexpected.push(`${request.method} ${request.url}`);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const instance = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return Object.assign(double, { instance, credentials, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}
