// Every external id is validated here before it can reach a URL, a query, a file name or a log.
import { JitError, UNSAFE_TEXT, displayValue } from './errors.js';

/** The ticket format of the embedded default (a Jira-style key), checked offline. */
export const DEFAULT_TICKET_PATTERN = '^[A-Z][A-Z0-9_]+-[1-9][0-9]*$';

/** Longer ids than this are refused before any pattern runs. */
const MAX_TICKET_LENGTH = 64;

const defaultTicket = new RegExp(DEFAULT_TICKET_PATTERN);

/** Policy patterns compiled by ticket-pattern.ts (on RE2), by source. */
const policyPatterns = new Map<string, (ticket: string) => boolean>();

/** Called by ticket-pattern.ts, which loads the RE2 engine; this file stays free of it for fast start-up. */
export function registerTicketPattern(source: string, matches: (ticket: string) => boolean): void {
  policyPatterns.set(source, matches);
}

function ticketMatcher(pattern: string): (ticket: string) => boolean {
  // The built-in default is a simple pattern we wrote: JavaScript's engine runs it fast, and no RE2 needs loading.
  if (pattern === DEFAULT_TICKET_PATTERN) return (ticket) => defaultTicket.test(ticket);
  const matches = policyPatterns.get(pattern);
  // SECURITY: a policy pattern runs on RE2 or not at all; on JavaScript's backtracking engine it could hang jit.
  if (!matches) {
    throw new JitError('internal', `the ticket pattern ${displayValue(pattern)} was used before it was compiled`, {
      hint: 'this is a bug in jit; please report it with the command you ran',
    });
  }
  return matches;
}

/** Checks a ticket id against the default pattern or a policy's (compiled first with compileTicketPattern). */
export function validateTicketId(ticket: string, pattern: string = DEFAULT_TICKET_PATTERN): string {
  // SECURITY: length and character class first, so no policy pattern ever sees a 10 kB or control-character input.
  if (ticket.length === 0 || ticket.length > MAX_TICKET_LENGTH || !/^[\x21-\x7e]+$/.test(ticket) || !ticketMatcher(pattern)(ticket)) {
    throw new JitError('usage', `ticket id ${displayValue(ticket)} is not valid for this role`, {
      hint: `use the ticket's key as its system shows it, e.g. OPS-123 (pattern ${pattern})`,
    });
  }
  return ticket;
}

const rolePattern = /^[a-z][a-z0-9_-]{0,62}$/;

export function validateRoleName(role: string): string {
  if (!rolePattern.test(role)) {
    throw new JitError('usage', `role ${displayValue(role)} is not a valid role name`, {
      hint: 'role names are lower-case letters, digits, - and _; `jit roles` lists them',
    });
  }
  return role;
}

const grantIdPattern = /^g_[0-9a-z]{26}$/;

export function isGrantId(value: string): boolean {
  return grantIdPattern.test(value);
}

export function validateGrantId(value: string): string {
  if (!isGrantId(value)) {
    throw new JitError('usage', `${displayValue(value)} is not a grant id`, { hint: 'grant ids look like g_… ; `jit status` lists yours' });
  }
  return value;
}

const requestIdPattern = /^r_[0-9a-z]{26}$/;

export function isRequestId(value: string): boolean {
  return requestIdPattern.test(value);
}

export function validateRequestId(value: string): string {
  if (!isRequestId(value)) {
    throw new JitError('usage', `${displayValue(value)} is not a request id`, { hint: 'request ids look like r_… ; `jit requests` lists them' });
  }
  return value;
}

/** Reasons are free text, but bounded and single-line so they cannot forge audit output. */
export function validateReason(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  // SECURITY: no C0/C1 controls (terminal escapes, line breaks) and no bidi overrides or isolates, which
  // make a reason read differently on an approver's or auditor's screen from what was recorded.
  if (reason.length > 500 || UNSAFE_TEXT.test(reason)) {
    throw new JitError('usage', '--reason must be one line of at most 500 characters, without control or bidirectional formatting characters', {
      hint: 'write the reason as plain text on one line',
    });
  }
  return reason;
}

/** An incident id as PagerDuty, Opsgenie, Jira or a ServiceNow INC give it: letters, digits and a few separators. */
const INCIDENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:#-]{0,63}$/;

/** Checks `--incident` (break-glass): it becomes the grant's ticket, shown in audits and prompts. */
export function validateIncidentId(value: string): string {
  if (!INCIDENT_PATTERN.test(value)) {
    throw new JitError('usage', `--incident ${displayValue(value)} is not an incident id`, { hint: 'letters, digits and . _ : # - (at most 64), as your incident tool shows it' });
  }
  return value;
}
