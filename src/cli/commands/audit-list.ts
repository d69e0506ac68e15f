// `jit audit`: the trail of one grant or ticket, or all of it.
import type { AuditEvent } from '../../broker/records.js';
import { JitError, displayJson, displayText } from '../../core/errors.js';
import { validateGrantId } from '../../core/identifiers.js';
import type { Context } from '../context.js';
import type { AuditListOptions } from './define/audit.js';
import { colorFor, printJson, table } from '../render.js';

export default async function auditList(options: AuditListOptions, context: Context): Promise<number> {
  if ([options.grant, options.ticket, options.breakGlass].filter((flag) => flag !== undefined).length > 1) throw new JitError('usage', 'pass one of --grant, --ticket and --break-glass');
  if (options.breakGlass) return breakGlassUses(options, context);
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

/** `--break-glass`: each use, newest first, with its review: the list a security team works through. */
async function breakGlassUses(options: AuditListOptions, context: Context): Promise<number> {
  const uses = await (await context.backend()).breakGlassUses();
  if (options.json) {
    printJson(context, { uses });
    return 0;
  }
  if (uses.length === 0) {
    context.stdout.write('No break-glass uses in the last 90 days.\n');
    return 0;
  }
  const now = Math.floor(Date.now() / 1000);
  const rows = uses.map(({ grant, incident, reason, review }) => [
    grant.id,
    new Date(grant.issuedAt * 1000).toISOString().slice(0, 16).replace('T', ' '),
    ...[grant.role, grant.requester, incident ?? '-'].map(displayText),
    grant.state === 'active' && grant.expiresAt > now ? 'in use' : review ? `reviewed by ${displayText(review.by)}` : 'review due',
    displayText(reason),
  ]);
  context.stdout.write(table([['GRANT', 'AT (UTC)', 'ROLE', 'BY', 'INCIDENT', 'REVIEW', 'REASON'], ...rows], colorFor(context.stdout, context.env)));
  return 0;
}
