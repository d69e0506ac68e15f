// `jit approve`: one approver's yes to someone else's request. The approver is shown what they approve,
// and the approval counts only for that exact request (the broker compares what was shown).
import type { PendingRequest } from '../../backends/contract.js';
import { ExitCode, JitError } from '../../core/errors.js';
import { validateReason, validateRequestId } from '../../core/identifiers.js';
import { canPrompt } from '../../platform/prompter.js';
import type { Context } from '../context.js';
import { printJson } from '../render.js';
import { approvalCount, describeRequest } from '../request-view.js';
import type { ApproveOptions } from './define/approvals.js';

/** The request as it stands, if it still waits; the reason it cannot be decided otherwise. */
export async function decidableRequest(context: Context, id: string): Promise<PendingRequest> {
  const request = await (await context.backend()).pendingRequest(validateRequestId(id));
  // Requests are shown to their requester and their role's approvers only: to anyone else, none exists.
  if (!request) throw new JitError('denied', `there is no request ${id} you may decide`, { hint: '`jit requests` lists those you may decide; `jit roles` shows who approves what' });
  if (request.state !== 'pending') throw new JitError('usage', `request ${id} is ${request.state}, not pending`, { hint: '`jit requests --pending` shows what still waits' });
  return request;
}

export default async function approve(options: ApproveOptions & { args: string[] }, context: Context): Promise<number> {
  const [id] = options.args as [string];
  const reason = validateReason(options.reason);
  const request = await decidableRequest(context, id);
  if (!options.yes && canPrompt(context, options.input)) {
    context.stderr.write(`${id}: ${describeRequest(request)}\n  approvals so far: ${approvalCount(request)}\n`);
    if (!(await context.prompter().confirm(`Approve ${id}?`))) {
      context.stderr.write('Nothing approved.\n');
      return ExitCode.ok;
    }
  }
  const { role, ticket, requester, ttlSeconds } = request;
  const decided = await (await context.backend()).approve(id, { ...(reason === undefined ? {} : { reason }), seen: { role, ticket, requester, ttlSeconds, reason: request.reason } });
  if (options.json) printJson(context, { request: decided });
  else if (decided.state === 'approved') context.stdout.write(`Approved ${id} (${approvalCount(decided)}): ${describeRequest(decided)}; it is theirs to pick up.\n`);
  else context.stdout.write(`Approval recorded for ${id} (${approvalCount(decided)}): it still waits for ${decided.required - decided.approvers.length} more.\n`);
  return ExitCode.ok;
}
