// The flags `elevate` and `exec` share, checked before anything is requested.
import { parseDuration } from '../../core/duration.js';
import { JitError } from '../../core/errors.js';
import { validateReason } from '../../core/identifiers.js';

export interface RequestFlags {
  ticket?: string;
  role?: string;
  ttl?: string;
  reason?: string;
}

export interface ParsedRequest {
  ticket: string;
  role: string;
  ttlSeconds?: number;
  reason?: string;
}

export function parseRequestFlags(flags: RequestFlags, command: string): ParsedRequest {
  // Interactive choice of role and ticket comes with the shell-experience work; until then both are flags.
  if (flags.ticket === undefined) {
    throw new JitError('usage', 'missing --ticket', { hint: `pass the ticket this task belongs to: jit ${command} --ticket OPS-123 --role ROLE` });
  }
  if (flags.role === undefined) {
    throw new JitError('usage', 'missing --role', { hint: `pass a role from \`jit roles\`: jit ${command} --ticket ${flags.ticket} --role ROLE` });
  }
  const reason = validateReason(flags.reason);
  return {
    ticket: flags.ticket,
    role: flags.role,
    ...(flags.ttl === undefined ? {} : { ttlSeconds: parseDuration(flags.ttl, '--ttl') }),
    ...(reason === undefined ? {} : { reason }),
  };
}
