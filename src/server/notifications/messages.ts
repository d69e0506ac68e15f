// What a notification says, for each kind of receiver. The generic webhook gets JSON signed like
// `X-Jit-Signature: v1=HMAC-SHA256(secret, "<timestamp>.<body>")` with the timestamp in
// `X-Jit-Timestamp`, so a receiver can refuse a forged body and a replayed old one; Slack gets a Block
// Kit message a person reads, with the command that decides the request.
import { createHmac } from 'node:crypto';
import type { AuditEvent, RequestRecord } from '../../broker/records.js';
import { formatDuration } from '../../core/duration.js';

/** The audit events people are told about: a request that needs a decision, its decision, and a revocation that did not work. */
export const NOTIFIED_EVENTS = new Set(['request.pending', 'request.approved', 'request.denied', 'request.expired', 'revocation.failed', 'revocation.irrevocable', 'review.due', 'review.closed']);

export interface Notice {
  /** One per event, the same on every attempt: a receiver drops repeats by it. */
  id: string;
  event: AuditEvent;
  /** The request the event belongs to, when it has one. */
  request: RequestRecord | undefined;
}

/** Whether an event is one people are told about. An approval the policy gave at once is not news; break-glass is told as its review.due. */
export function isNotified(event: AuditEvent): boolean {
  return NOTIFIED_EVENTS.has(event.type) && !(event.type === 'request.approved' && (event.actor === 'policy' || event.actor === 'break-glass'));
}

export function webhookBody(notice: Notice): string {
  const { event, request } = notice;
  return JSON.stringify({
    id: notice.id,
    type: event.type,
    at: event.at,
    actor: event.actor,
    role: event.role,
    ticket: event.ticket,
    requestId: event.requestId,
    grantId: event.grantId,
    data: event.data,
    ...(request
      ? {
          request: { id: request.id, role: request.role, ticket: request.ticket, requester: request.requester, reason: request.reason, ttlSeconds: request.ttlSeconds, state: request.state, ...(request.renewsGrant === null ? {} : { renews: request.renewsGrant }) },
          ...(event.type === 'request.pending' ? { decide: { approve: `jit approve ${request.id}`, deny: `jit deny ${request.id} --reason TEXT` } } : {}),
        }
      : {}),
  });
}

/** The headers that sign `body` at `timestamp` (Unix seconds). */
export function signatureHeaders(body: string, secret: string, timestamp: number): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { 'x-jit-timestamp': String(timestamp), 'x-jit-signature': `v1=${signature}` };
}

/** Slack's mrkdwn gives &, < and > meaning: text from requesters is shown as text. */
function escaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function headline(notice: Notice): string {
  const { event, request } = notice;
  const who = request ? escaped(request.requester) : 'someone';
  switch (event.type) {
    case 'request.pending':
      return request?.renewsGrant
        ? `${who} asks to extend ${escaped(event.role ?? '?')} on ${escaped(event.ticket ?? '?')}: approval needed`
        : `${who} asks for ${escaped(event.role ?? '?')} on ${escaped(event.ticket ?? '?')}: approval needed`;
    case 'request.approved':
      return `Approved: ${who}'s request for ${escaped(event.role ?? '?')} on ${escaped(event.ticket ?? '?')}`;
    case 'request.denied':
      return `Denied: ${who}'s request for ${escaped(event.role ?? '?')} on ${escaped(event.ticket ?? '?')}`;
    case 'request.expired':
      return `Expired undecided: ${who}'s request for ${escaped(event.role ?? '?')} on ${escaped(event.ticket ?? '?')}`;
    case 'review.due':
      return `BREAK-GLASS: ${who} took ${escaped(event.role ?? '?')} without an approver (${escaped(event.ticket ?? '?')}): review needed`;
    case 'review.closed':
      return `Break-glass review closed: ${who}'s use of ${escaped(event.role ?? '?')} (${escaped(event.grantId ?? '?')})`;
    default:
      return `Revocation ${event.type === 'revocation.irrevocable' ? 'impossible' : 'failed'}: grant ${escaped(event.grantId ?? '?')} (${escaped(event.role ?? '?')}, ${escaped(event.ticket ?? '?')}) may still be usable`;
  }
}

export function slackBody(notice: Notice): string {
  const { event, request } = notice;
  const title = headline(notice);
  const fields = [
    ['Role', event.role],
    ['Ticket', event.ticket],
    ['Requester', request?.requester],
    [request?.renewsGrant ? 'Extend by' : 'TTL', request ? formatDuration(request.ttlSeconds) : undefined],
    ['Reason', request?.reason ?? undefined],
    ['By', ['policy', 'broker', 'break-glass'].includes(event.actor) ? undefined : event.actor.replace(/^user:/, '')],
    ['Why', typeof event.data.reason === 'string' ? event.data.reason : typeof event.data.error === 'string' ? event.data.error : undefined],
    ['Reviewers', typeof event.data.reviewers === 'string' ? event.data.reviewers : undefined],
    ['Note', typeof event.data.note === 'string' ? event.data.note : undefined],
  ].filter((field): field is [string, string] => typeof field[1] === 'string' && field[1] !== '');
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${title}*` } },
    { type: 'section', fields: fields.map(([name, value]) => ({ type: 'mrkdwn', text: `*${name}*\n${escaped(value).slice(0, 500)}` })) },
  ];
  if (event.type === 'review.due' && event.grantId) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Review once it has ended: \`jit review ${escaped(event.grantId)}\`` }] });
  }
  if (event.type === 'request.pending' && request) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Approve: \`jit approve ${request.id}\` · deny: \`jit deny ${request.id} --reason …\`` }] });
  }
  return JSON.stringify({ text: title, blocks });
}
