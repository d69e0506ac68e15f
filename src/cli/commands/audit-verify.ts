// `jit audit verify`: proves the chain, or names the first event that breaks it.
import { CHECK_FAILED } from '../../core/errors.js';
import type { Context } from '../context.js';
import { colorFor, printJson } from '../render.js';

export default async function auditVerify(options: { json?: boolean }, context: Context): Promise<number> {
  const verdict = await (await context.backend()).verifyAudit();
  if (options.json) printJson(context, verdict);
  else {
    const color = colorFor(context.stdout, context.env);
    context.stdout.write(
      verdict.ok
        ? `${color.green('ok')}: ${verdict.events} events chained, ${verdict.checkpoints} signed checkpoints verified; head ${verdict.head.slice(0, 16)}…\n`
        : `${color.red('FAILED')} at event ${verdict.seq}: ${verdict.problem}\n`,
    );
  }
  return verdict.ok ? 0 : CHECK_FAILED;
}
