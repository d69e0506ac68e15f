// A loopback double of PagerDuty's REST API v2, written from PagerDuty's API reference: GET
// /incidents/{id} with `Authorization: Token token=KEY` and `Accept: application/vnd.pagerduty+json;version=2`
// answers {"incident":{id, incident_number, title, status triggered|acknowledged|resolved, html_url,
// service (a service_reference), assignments[].assignee}}; with include[]=assignees each assignee is the
// full user (email included). Unknown ids are 404 {"error":{"message":"Not Found","code":2100}}, a bad key
// 401, and `rateLimited` answers 429 with the ratelimit-* headers. Any other request is recorded as
// unexpected and answered 500.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface PagerdutyIncidentDouble {
  status: 'triggered' | 'acknowledged' | 'resolved';
  service?: string;
  assignees?: { id: string; email: string }[];
}

export interface PagerdutyDouble {
  api: string;
  key: string;
  incidents: Map<string, PagerdutyIncidentDouble>;
  /** The services jit's key may read. */
  services: Set<string>;
  rateLimited: boolean;
  requests: string[];
  unexpected: string[];
  close(): Promise<void>;
}

export async function startPagerduty(): Promise<PagerdutyDouble> {
  const key = 'u+pagerduty-api-key-0123456789';
  const double = { services: new Set(['PSVC001']), incidents: new Map<string, PagerdutyIncidentDouble>(), rateLimited: false, requests: [] as string[], unexpected: [] as string[] };
  const answer = (request: IncomingMessage): { status: number; body: unknown; headers?: Record<string, string> } => {
    const url = new URL(request.url ?? '/', 'http://pagerduty.invalid');
    // GET /abilities (any valid key) and GET /services/{id}.
    const service = /^\/services\/([A-Z0-9]+)$/.exec(url.pathname)?.[1];
    if (request.method === 'GET' && (url.pathname === '/abilities' || service) && url.search === '' && request.headers.accept === 'application/vnd.pagerduty+json;version=2') {
      if (request.headers.authorization !== `Token token=${key}`) return { status: 401, body: { error: { message: 'Unauthorized', code: 2006 } } };
      if (!service) return { status: 200, body: { abilities: ['teams', 'urgencies', 'read_only_users'] } };
      return double.services.has(service) ? { status: 200, body: { service: { id: service, type: 'service', name: 'Orders' } } } : { status: 404, body: { error: { message: 'Not Found', code: 2100 } } };
    }
    const id = /^\/incidents\/([A-Za-z0-9]+)$/.exec(url.pathname)?.[1];
    const wellFormed = request.method === 'GET' && id && request.headers.accept === 'application/vnd.pagerduty+json;version=2' && url.search === '?include%5B%5D=assignees';
    if (!wellFormed) return { status: 500, body: { unexpected: true } };
    if (request.headers.authorization !== `Token token=${key}`) return { status: 401, body: { error: { message: 'Unauthorized', code: 2006 } } };
    if (double.rateLimited) return { status: 429, body: { error: { message: 'Rate Limit Exceeded', code: 2020 } }, headers: { 'ratelimit-limit': '960', 'ratelimit-remaining': '0', 'ratelimit-reset': '17' } };
    const incident = double.incidents.get(id);
    if (!incident) return { status: 404, body: { error: { message: 'Not Found', code: 2100 } } };
    return {
      status: 200,
      body: {
        incident: {
          id,
          type: 'incident',
          incident_number: 1234,
          title: 'The orders database is refusing connections',
          status: incident.status,
          html_url: `https://acme.pagerduty.com/incidents/${id}`,
          service: { id: incident.service ?? 'PSVC001', type: 'service_reference', summary: 'Orders' },
          assignments: (incident.assignees ?? []).map((user) => ({ at: '2026-11-23T10:00:00Z', assignee: { ...user, type: 'user', name: user.email.split('@')[0] } })),
        },
      },
    };
  };
  const server: Server = createServer((request, response) => {
    double.requests.push(`${request.method} ${request.url}`);
    const { status, body, headers } = answer(request);
    if (status === 500) double.unexpected.push(`${request.method} ${request.url}`);
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return Object.assign(double, { api, key, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}
