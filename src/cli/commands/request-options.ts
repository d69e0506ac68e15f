// The flags `elevate` and `exec` share, checked before anything is requested. On a terminal a
// missing role is chosen from a list and a missing ticket is typed; anywhere else it is a usage error.
import type { RoleSummary } from '../../backends/contract.js';
import { parseDuration } from '../../core/duration.js';
import { JitError } from '../../core/errors.js';
import { DEFAULT_TICKET_PATTERN, validateReason, validateTicketId } from '../../core/identifiers.js';
import { canPrompt } from '../../platform/prompter.js';
import type { Context } from '../context.js';

export interface RequestFlags {
  ticket?: string;
  role?: string;
  ttl?: string;
  reason?: string;
  /** false with --no-input. */
  input?: boolean;
}

export interface ParsedRequest {
  ticket: string;
  role: string;
  ttlSeconds?: number;
  reason?: string;
}

export async function resolveRequestFlags(flags: RequestFlags, command: string, context: Context): Promise<ParsedRequest> {
  // What was given is checked first, so a typo fails before any question is asked.
  const reason = validateReason(flags.reason);
  const ttlSeconds = flags.ttl === undefined ? undefined : parseDuration(flags.ttl, '--ttl');
  const interactive = canPrompt(context, flags.input);
  if (!interactive && flags.ticket === undefined) {
    throw new JitError('usage', 'missing --ticket', { hint: `pass the ticket this task belongs to: jit ${command} --ticket OPS-123 --role ${flags.role ?? 'ROLE'}` });
  }
  if (!interactive && flags.role === undefined) {
    throw new JitError('usage', 'missing --role', { hint: `pass a role from \`jit roles\`: jit ${command} --ticket ${flags.ticket} --role ROLE` });
  }
  // Only a question needs the roles; they are read once for both.
  const roles = flags.role === undefined || flags.ticket === undefined ? await (await context.backend()).roles() : [];
  const role = flags.role ?? (await chooseRole(context, roles));
  const ticket = flags.ticket ?? (await typeTicket(context, role, roles));
  return { ticket, role, ...(ttlSeconds === undefined ? {} : { ttlSeconds }), ...(reason === undefined ? {} : { reason }) };
}

async function chooseRole(context: Context, all: RoleSummary[]): Promise<string> {
  const roles = all.filter((role) => role.mayRequest);
  if (roles.length === 0) throw new JitError('denied', 'there is no role you may request', { hint: '`jit roles` lists the roles and who may request them' });
  const width = Math.max(...roles.map((role) => role.name.length));
  return context.prompter().select(
    'Role',
    roles.map((role) => ({ value: role.name, name: `${role.name.padEnd(width)}  max ${role.ttl.max}  ${role.description}`, description: role.description })),
  );
}

async function typeTicket(context: Context, roleName: string, roles: RoleSummary[]): Promise<string> {
  const pattern = roles.find((candidate) => candidate.name === roleName)?.ticketPattern;
  // Compiled once on RE2 (loaded only now), since the answer is checked at every keystroke.
  if (pattern !== undefined && pattern !== DEFAULT_TICKET_PATTERN) (await import('../../core/ticket-pattern.js')).compileTicketPattern(pattern);
  const validate = (text: string): string | true => {
    try {
      validateTicketId(text.trim(), pattern);
      return true;
    } catch (error) {
      return (error as JitError).hint ?? (error as Error).message;
    }
  };
  return (await context.prompter().input(`Ticket for ${roleName}`, validate)).trim();
}
