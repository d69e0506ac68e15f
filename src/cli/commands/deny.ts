// `jit deny`: one approver's no to someone else's request, with why: the requester is told.
import { ExitCode, JitError } from '../../core/errors.js';
import { validateReason } from '../../core/identifiers.js';
import { canPrompt } from '../../platform/prompter.js';
import type { Context } from '../context.js';
import { printJson } from '../render.js';
import { describeRequest } from '../request-view.js';
import { decidableRequest } from './approve.js';
import type { DenyOptions } from './define/approvals.js';

async function denialReason(options: DenyOptions, id: string, context: Context): Promise<string> {
  if (options.reason !== undefined) return validateReason(options.reason)!;
  if (!canPrompt(context, options.input)) throw new JitError('usage', 'missing --reason', { hint: `say why, for the requester and the audit: jit deny ${id} --reason TEXT` });
  const validate = (text: string): string | true => {
    if (text.trim() === '') return 'say why: the requester is shown it';
    try {
      validateReason(text.trim());
      return true;
    } catch (error) {
      return (error as JitError).message;
    }
  };
  return (await context.prompter().input(`Why deny ${id}?`, validate)).trim();
}

export default async function deny(options: DenyOptions & { args: string[] }, context: Context): Promise<number> {
  const [id] = options.args as [string];
  if (options.reason !== undefined) validateReason(options.reason);
  const request = await decidableRequest(context, id);
  if (canPrompt(context, options.input) && options.reason === undefined) context.stderr.write(`${id}: ${describeRequest(request)}\n`);
  const reason = await denialReason(options, id, context);
  const decided = await (await context.backend()).deny(id, reason);
  if (options.json) printJson(context, { request: decided });
  else context.stdout.write(`Denied ${id}: ${describeRequest(decided)}.\n`);
  return ExitCode.ok;
}
