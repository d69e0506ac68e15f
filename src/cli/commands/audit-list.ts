// `jit audit`: the trail of one grant or ticket, or all of it.
import type { AuditEvent } from '../../broker/records.js';
import { JitError, displayJson, displayText } from '../../core/errors.js';
import { validateGrantId } from '../../core/identifiers.js';
import type { Context } from '../context.js';
import type { AuditListOptions } from './define/audit.js';
import { colorFor, printJson, table } from '../render.js';

export default async function auditList(options: AuditListOptions, context: Context): Promise<number> {
  if (options.grant && options.ticket) throw new JitError('usage', 'pass --grant or --ticket, not both');
  // The ticket is only ever a bound SQL parameter; the length cap keeps a pasted blob out of the query.
  if (options.ticket !== undefined && (options.ticket.length === 0 || options.ticket.length > 64)) {
    throw new JitError('usage', '--ticket takes a ticket id such as OPS-123');
  }
  const filter = { ...(options.grant ? { grantId: validateGrantId(options.grant) } : {}), ...(options.ticket ? { ticket: options.ticket } : {}) };
  const events = await (await context.backend()).events(filter);
  if (options.json) {
    printJson(context, { events });
    return 0;
  }
  if (events.length === 0) {
    context.stdout.write('No audit events.\n');
    return 0;
  }
  context.stdout.write(table(auditRows(events), colorFor(context.stdout, context.env)));
  return 0;
}

/**
 * The table: a header, then one row per event. Every string cell came from the store, and requesters
 * wrote parts of it (ticket, reason), so each is shown escaped.
 */
export function auditRows(events: AuditEvent[]): string[][] {
  // SECURITY: a raw escape sequence or bidi override in an event would rewrite the auditor's screen.
  const rows = events.map((e) => [String(e.seq), ...[e.at, e.type, e.grantId ?? e.requestId ?? '', e.ticket ?? '', e.actor].map(displayText), displayJson(e.data)]);
  return [['SEQ', 'AT', 'EVENT', 'GRANT/REQUEST', 'TICKET', 'ACTOR', 'DATA'], ...rows];
}
