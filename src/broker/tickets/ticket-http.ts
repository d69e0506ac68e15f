// What every ticket system's client does alike: read its token, ask with a bound on time, read a bounded
// answer, and keep what it says printable. SECURITY: the HTTP client's own messages may quote the
// request (headers included), so only their kind is ever shown.
import { JitError, UNSAFE_TEXT } from '../../core/errors.js';
import { readSecretReference } from '../issuers/secret-reference.js';
import type { TicketDeps } from './ticket-system.js';

const TIMEOUT_MS = 10_000;
/** Far above an issue with a few fields; a bigger answer is not read. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The longest jit keeps quiet towards a system that asked it to: past it, one look goes (and is told again). */
const MAX_QUIET_MS = 15 * 60_000;

/** A system that is rate-limiting jit, and for how long it asked to be left alone. */
export class RateLimited extends JitError {
  constructor(
    readonly system: string,
    readonly retryAfterMs: number,
  ) {
    super('unavailable', `${system} is rate-limiting jit (retry after ${Math.ceil(retryAfterMs / 1000)}s)`, { hint: 'try again then; jit asks it nothing meanwhile' });
  }
}

/**
 * The rate limit a 429 (or GitHub's 403 with no requests left) announces: Retry-After (seconds or a
 * date), else the reset of X-RateLimit-* / RateLimit-* (an epoch second, or seconds from now); 60 s when
 * it says nothing, 15 minutes at most.
 */
export function rateLimited(system: string, response: Response, now = Date.now()): RateLimited {
  const retryAfter = response.headers.get('retry-after') ?? '';
  const reset = response.headers.get('x-ratelimit-reset') ?? response.headers.get('ratelimit-reset') ?? '';
  let waitMs = 60_000;
  if (/^[0-9]{1,6}$/.test(retryAfter)) waitMs = Number(retryAfter) * 1000;
  else if (retryAfter && !Number.isNaN(Date.parse(retryAfter))) waitMs = Date.parse(retryAfter) - now;
  else if (/^[0-9]{1,12}$/.test(reset)) waitMs = Number(reset) > 1e9 ? Number(reset) * 1000 - now : Number(reset) * 1000;
  return new RateLimited(system, Math.min(Math.max(waitMs, 1000), MAX_QUIET_MS));
}

/** Text from a ticket system as it may reach a terminal or the audit: control characters shown as ?, bounded. */
export function printable(text: string, length: number): string {
  return text.replace(new RegExp(UNSAFE_TEXT.source, 'g'), '?').slice(0, length);
}

/** The Authorization header for a secret: `basic` (USER:SECRET, base64) or `bearer` (a token). SECURITY: a header only; never a URL, a message or the audit. */
export function authorization(auth: 'basic' | 'bearer', secret: string): string {
  return auth === 'basic' ? `Basic ${Buffer.from(secret).toString('base64')}` : `Bearer ${secret}`;
}

/** The token a reference names; refused, by reference, when it could not be a header (it would be quoted in the client's error). */
export async function readToken(reference: string, deps: TicketDeps, system: string): Promise<string> {
  const token = await readSecretReference(reference, deps);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new JitError('config', `the ${system} credentials in ${reference} are not a token (spaces, line breaks or other characters)`, { hint: 'store the token alone, on one line' });
  return token;
}

/**
 * One GET to `system` (named with its address in messages), within the timeout. A redirect is the
 * system's answer, not an outage: given back when the caller follows it itself (`manual`), else refused
 * (65) — a moved project or ticket is asked for under its new name.
 */
export async function askTicketSystem(system: string, url: string, headers: Record<string, string>, redirect: 'refuse' | 'manual' = 'refuse'): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const kind = (error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000}s` : ((error as { cause?: { code?: unknown } }).cause?.code ?? 'no connection');
    throw new JitError('unavailable', `${system} did not answer (${String(kind).slice(0, 40)})`, { hint: 'check its address and the network; the role refuses while it cannot be asked' });
  }
  if (redirect === 'refuse' && response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new JitError('ticket_rejected', `${system} answered that what jit asked for has moved (${response.status})`, { hint: 'ask with the ticket’s new reference; if every ticket moved, fix the address in the policy' });
  }
  return response;
}

/** What `jit doctor` says of each of `scopes` (projects, repositories, tables) a system answered about: all readable, or throws naming the first that is not. */
export async function probeScopes(system: string, credentials: string, scopes: string[], ask: (scope: string) => Promise<Response>): Promise<string> {
  for (const scope of scopes) {
    const response = await ask(scope);
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403) throw new JitError('unavailable', `${system} refused jit's credentials (${response.status})`, { hint: `check ${credentials}` });
    if (response.status === 404) throw new JitError('unavailable', `${system} has no ${scope}, or jit's account may not see it`, { hint: `check the policy's ${scope} and ${credentials}'s access to it` });
    if (!response.ok) throw new JitError('unavailable', `${system} answered ${response.status} about ${scope}`, { hint: 'try again; check the address' });
  }
  return `${system}: jit's credentials read ${scopes.join(', ')}`;
}

/**
 * The answer's JSON object, read up to 1 MiB; an empty object when it is not JSON or not an object.
 * SECURITY: an answer larger than that refuses the ticket (65): whoever may edit a ticket can make its
 * answer that large, and that must never pass for an outage (which a role may allow through).
 */
export async function boundedJsonObject(response: Response, system: string): Promise<Record<string, unknown>> {
  const tooLarge = () => new JitError('ticket_rejected', `${system} answered with more than ${MAX_BODY_BYTES / 1024 / 1024} MiB about it, so jit cannot tell its state`, { hint: 'shorten the ticket (its description), or ask with another' });
  if (Number(response.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for await (const chunk of response.body ?? []) {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof JitError) throw error;
    // Cut off mid-answer, or too slow to finish: the system did not answer.
    throw new JitError('unavailable', `${system} stopped answering mid-way (${(error as Error).name})`, { hint: 'try again' });
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
