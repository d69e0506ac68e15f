// `jit requests`: requests that wait for approvals, those you may decide and yours.
import type { Context } from '../context.js';
import { colorFor, printJson, table } from '../render.js';
import { approvalCount, requestState } from '../request-view.js';
import type { RequestsOptions } from './define/approvals.js';
import { displayText } from '../../core/errors.js';
import { formatDuration } from '../../core/duration.js';

export default async function requests(options: RequestsOptions, context: Context): Promise<number> {
  const shown = await (await context.backend()).requests({ pending: options.pending === true });
  if (options.json) {
    printJson(context, { requests: shown });
    return 0;
  }
  if (shown.length === 0) {
    context.stdout.write(options.pending ? 'No requests wait for you or for approvals of yours.\n' : 'No requests for you to decide, and none of yours, in the last day.\n');
    return 0;
  }
  const now = Date.now();
  const rows = shown.map((r) => [displayText(r.id), displayText(r.role), displayText(r.ticket), displayText(r.requester), formatDuration(r.ttlSeconds), approvalCount(r), requestState(r, now), r.reason === null ? '' : displayText(r.reason)]);
  context.stdout.write(table([['REQUEST', 'ROLE', 'TICKET', 'REQUESTER', 'TTL', 'APPROVALS', 'STATE', 'REASON'], ...rows], colorFor(context.stdout, context.env)));
  return 0;
}
