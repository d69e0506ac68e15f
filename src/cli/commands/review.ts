// `jit review`: a reviewer closes the review a break-glass use owes, once it has ended.
import { ExitCode, displayText } from '../../core/errors.js';
import { validateGrantId, validateReason } from '../../core/identifiers.js';
import type { Context } from '../context.js';
import { printJson } from '../render.js';
import type { ReviewOptions } from './define/break-glass.js';

export default async function review(options: ReviewOptions & { args: string[] }, context: Context): Promise<number> {
  const [id] = options.args as [string];
  const grantId = validateGrantId(id);
  const note = validateReason(options.note);
  const use = await (await context.backend()).review(grantId, note);
  if (options.json) printJson(context, { use });
  else context.stdout.write(`Reviewed ${use.grant.id}: ${displayText(use.grant.requester)}'s break-glass use of ${displayText(use.grant.role)} (${displayText(use.incident ?? 'no incident')}).\n`);
  return ExitCode.ok;
}
