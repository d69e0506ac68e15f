// Jira Cloud's and Data Center's issue API: GET /rest/api/{3|2}/issue/{key}?fields=status,assignee,summary.
// The key goes into the path only after the role's pattern (and project list) accepted it, never into JQL.
import { JitError, UNSAFE_TEXT } from '../../../core/errors.js';
import { readSecretReference } from '../../issuers/secret-reference.js';
import type { TicketDeps, TicketFacts, TicketState, TicketSystem } from '../ticket-system.js';
import type { JiraConfig } from './schema.js';

const TIMEOUT_MS = 10_000;
/** Far above an issue with three fields; a bigger answer is not read. */
const MAX_BODY_BYTES = 1024 * 1024;
const CATEGORY = new Map<unknown, TicketState>([['new', 'open'], ['indeterminate', 'in_progress'], ['done', 'done']]);

function printable(text: string, length: number): string {
  return text.replace(new RegExp(UNSAFE_TEXT.source, 'g'), '?').slice(0, length);
}

/** The body as JSON, read up to MAX_BODY_BYTES; undefined when larger or not JSON. */
async function boundedJson(response: Response): Promise<unknown> {
  if (Number(response.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) return undefined;
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of response.body ?? []) {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

interface JiraIssue {
  key?: unknown;
  fields?: { summary?: unknown; status?: { name?: unknown; statusCategory?: { key?: unknown } }; assignee?: { accountId?: unknown; emailAddress?: unknown; name?: unknown } | null };
}

export class Jira implements TicketSystem {
  constructor(
    private readonly config: JiraConfig,
    private readonly deps: TicketDeps,
  ) {}

  async lookup(key: string): Promise<TicketFacts | undefined> {
    if (!new RegExp(this.config.pattern).test(key)) throw new JitError('usage', `${key} is not a Jira issue key`);
    const secret = await readSecretReference(this.config.credentials, this.deps);
    // SECURITY: a value that cannot be a header would be quoted whole in the HTTP client's error.
    if (!/^[\x21-\x7e]+$/.test(secret)) throw new JitError('config', `the Jira credentials in ${this.config.credentials} are not a token (spaces, line breaks or other characters)`, { hint: 'store the token alone, on one line' });
    // SECURITY: the secret goes in a header only; never in a URL, a message or the audit.
    const authorization = this.config.auth === 'basic' ? `Basic ${Buffer.from(secret).toString('base64')}` : `Bearer ${secret}`;
    const api = this.config.auth === 'basic' ? 3 : 2;
    const url = `${this.config.site}/rest/api/${api}/issue/${encodeURIComponent(key)}?fields=status,assignee,summary`;
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization, accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      // The client's own message may quote the request: only its kind is shown.
      const kind = (error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000}s` : ((error as { cause?: { code?: unknown } }).cause?.code ?? 'no connection');
      throw new JitError('unavailable', `Jira at ${this.config.site} did not answer (${String(kind).slice(0, 40)})`, { hint: 'check the site and the network; the role refuses while Jira cannot be asked' });
    }
    if (response.status === 404) return undefined;
    if (response.status === 401 || response.status === 403) {
      throw new JitError('unavailable', `Jira at ${this.config.site} refused jit's credentials (${response.status})`, { hint: `check ${this.config.credentials}` });
    }
    if (response.status === 429) {
      const after = /^[0-9]{1,6}$/.test(response.headers.get('retry-after') ?? '') ? response.headers.get('retry-after') : '?';
      throw new JitError('unavailable', `Jira at ${this.config.site} is rate-limiting jit (retry after ${after}s)`, { hint: 'try again shortly' });
    }
    if (!response.ok) throw new JitError('unavailable', `Jira at ${this.config.site} answered ${response.status}`, { hint: 'try again; check the site' });
    const body = await boundedJson(response);
    const issue = (typeof body === 'object' && body !== null ? body : {}) as JiraIssue;
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
