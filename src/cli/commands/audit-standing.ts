// `jit audit standing`: grants past their end without a verified revocation. The goal is always none.
import { ExitCode } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { AuditStandingOptions } from './define/audit.js';
import { grantView } from '../grant-view.js';
import { colorFor, printJson, table } from '../render.js';

export default async function auditStanding(options: AuditStandingOptions, context: Context): Promise<number> {
  const now = Date.now();
  const standing = (await (await context.backend()).standing()).map((grant) => grantView(grant, now));
  if (options.json) printJson(context, { standing });
  else if (standing.length === 0) context.stdout.write('No standing access: every ended grant has a verified revocation.\n');
  else {
    const rows = standing.map((g) => [g.id, g.role, g.ticket, g.state, g.revocation ?? 'not started', g.revokeReason ?? '']);
    context.stdout.write(table([['GRANT', 'ROLE', 'TICKET', 'STATE', 'REVOCATION', 'REASON'], ...rows], colorFor(context.stdout, context.env)));
  }
  return standing.length === 0 ? 0 : ExitCode.checkFailed;
}
