// `jit audit export`: the chain as JSON Lines (the public key, each event, the checkpoint over it).
import { exportLines } from '../../broker/audit/export.js';
import { JitError, displayValue } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { AuditExportOptions } from './define/audit.js';

export default async function auditExport(options: AuditExportOptions, context: Context): Promise<number> {
  const since = options.since ?? '0';
  if (!/^(0|[1-9][0-9]{0,15})$/.test(since)) throw new JitError('usage', `--since ${displayValue(since)} is not a sequence number`, { hint: 'pass the seq of the last event you already hold, e.g. --since 1200' });
  const exported = await (await context.backend()).exportAudit(Number(since));
  for (const line of exportLines(exported)) context.stdout.write(`${line}\n`);
  return 0;
}
