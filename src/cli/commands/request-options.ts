// The flags `elevate` and `exec` share, checked before anything is requested. On a terminal a
// missing role is chosen from a list and a missing ticket is typed; anywhere else it is a usage error.
import { join } from 'node:path';
import { POLICY_FILE } from '../../broker/policy/load.js';
import type { RoleSummary } from '../../backends/contract.js';
import { parseDuration } from '../../core/duration.js';
import { JitError, displayValue } from '../../core/errors.js';
import { DEFAULT_TICKET_PATTERN, validateReason, validateRoleName, validateTicketId } from '../../core/identifiers.js';
import { currentSession, type Environment } from '../../core/session-env.js';
import { privateFileExists } from '../../platform/paths.js';
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
  // The roles are read once, for the questions and to check a role given on the command line.
  const roles = await (await context.backend()).roles();
  if (flags.role !== undefined) assertRoleExists(validateRoleName(flags.role), roles, context);
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

/** A role the policy lacks, said with where the policy came from: the built-in default, or its file. */
function assertRoleExists(name: string, roles: RoleSummary[], context: Context): void {
  if (roles.some((role) => role.name === name)) return;
  const file = join(context.paths.configDir, POLICY_FILE);
  const fromFile = privateFileExists(file);
  throw new JitError('usage', `there is no role ${displayValue(name)} in ${fromFile ? file : 'the built-in default policy'}`, {
    hint: fromFile
      ? '`jit roles` lists the roles you may request'
      : '`jit roles` lists the roles you may request; `jit init` writes the policy to a file you can add roles to',
  });
}

/**
 * The broker refuses a request made inside a session whose role does not allow nesting; what to do
 * about it is a matter of this terminal, which only the CLI knows.
 */
export function explainDenial(error: unknown, env: Environment): unknown {
  const session = currentSession(env);
  if (!session || !(error instanceof JitError) || error.code !== 'denied' || !/does not allow nesting$/.test(error.message)) return error;
  return new JitError('denied', error.message, {
    cause: error,
    hint: `leave session ${session.grantId}${session.role && session.ticket ? ` (${session.role}, ${session.ticket})` : ''} first: \`exit\` its shell, or \`jit revoke\` it; or have the role allow it with \`nesting: true\` in the policy`,
  });
}
