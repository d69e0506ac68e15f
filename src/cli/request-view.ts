// How a request that waits for approvals is shown to people: one line saying what it asks for, and the
// state it is in. Its fields come from the broker: shown as data, never as terminal text.
import type { PendingRequest } from '../backends/contract.js';
import { formatDuration, formatTimeLeft } from '../core/duration.js';
import { displayText } from '../core/errors.js';

/** `alice asks for prod-db on OPS-123 for 30m: "reason"`, or `alice asks to extend g_… (prod-db on OPS-123) by 15m` */
export function describeRequest(request: PendingRequest): string {
  const why = request.reason === null ? '' : `: "${displayText(request.reason)}"`;
  if (request.renews !== undefined) {
    return `${displayText(request.requester)} asks to extend ${displayText(request.renews)} (${displayText(request.role)} on ${displayText(request.ticket)}) by ${formatDuration(request.ttlSeconds)}${why}`;
  }
  return `${displayText(request.requester)} asks for ${displayText(request.role)} on ${displayText(request.ticket)} for ${formatDuration(request.ttlSeconds)}${why}`;
}

/** `1 of 2 (bob)` */
export function approvalCount(request: PendingRequest): string {
  return `${request.approvers.length} of ${Number(request.required)}${request.approvers.length ? ` (${request.approvers.map(displayText).join(', ')})` : ''}`;
}

/** `pending, 52m left` · `approved` · `approved, used` · `denied by carol` · `expired` */
export function requestState(request: PendingRequest, nowMs: number): string {
  switch (request.state) {
    case 'pending':
      return `pending, ${formatTimeLeft(Math.max(0, request.pendingUntil - Math.floor(nowMs / 1000)))} left`;
    case 'approved':
      return request.used ? 'approved, used' : 'approved';
    case 'denied':
      return `denied by ${displayText(request.denial?.by ?? 'an approver')}`;
    default:
      return displayText(String(request.state));
  }
}
