// `jit audit verify`: proves the chain (and an earlier export against it), or names the first event that breaks it.
import { readFileSync } from 'node:fs';
import { parseExport, type AuditExport } from '../../broker/audit/export.js';
import { ExitCode, JitError } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { AuditVerifyOptions } from './define/audit.js';
import { colorFor, printJson } from '../render.js';

function readExport(path: string): AuditExport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new JitError('usage', `cannot read the export ${path}: ${(error as Error).message}`, { hint: 'pass a file written by `jit audit export`' });
  }
  const parsed = parseExport(text);
  if ('error' in parsed) throw new JitError('usage', `${path} is not an audit export: ${parsed.error}`, { hint: 'pass a file written by `jit audit export`' });
  return parsed;
}

export default async function auditVerify(options: AuditVerifyOptions, context: Context): Promise<number> {
  const exported = options.export === undefined ? undefined : readExport(options.export);
  const verdict = await (await context.backend()).verifyAudit(exported);
  if (options.json) printJson(context, verdict);
  else {
    const color = colorFor(context.stdout, context.env);
    const against = exported ? `; the export's ${exported.events.length} events are all held, unchanged` : '';
    context.stdout.write(
      verdict.ok
        ? `${color.green('ok')}: ${verdict.events} events chained, ${verdict.checkpoints} signed checkpoints verified; head ${verdict.head.slice(0, 16)}…${against}\n`
        : `${color.red('FAILED')} at event ${verdict.seq}: ${verdict.problem}\n`,
    );
  }
  return verdict.ok ? 0 : ExitCode.checkFailed;
}
