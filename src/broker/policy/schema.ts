// The policy's YAML shape, validated with zod (loaded only when a policy file exists).
import { z } from 'zod';
import { UNSAFE_TEXT } from '../../core/errors.js';
import { DEFAULT_TICKET_PATTERN } from '../../core/identifiers.js';
import { compileTicketPattern } from '../../core/ticket-pattern.js';
import { issuerSchema } from '../issuers/schema.js';
import { duration } from './duration-schema.js';

/** Ticket ids are at most 64 characters; a pattern far longer than that is a mistake. */
const MAX_PATTERN_LENGTH = 256;

const anchoredPattern = z.string().superRefine((source, ctx) => {
  if (source.length > MAX_PATTERN_LENGTH || !source.startsWith('^') || !source.endsWith('$')) {
    ctx.addIssue({ code: 'custom', message: `must be a valid regular expression anchored with ^ and $, at most ${MAX_PATTERN_LENGTH} characters` });
    return;
  }
  try {
    // Compiled here once, on RE2, for every later ticket check (validateTicketId).
    compileTicketPattern(source);
  } catch (error) {
    // RE2's message quotes the pattern; a control character in it is shown as ?.
    const reason = (error as Error).message.replace(new RegExp(UNSAFE_TEXT.source, 'g'), '?');
    ctx.addIssue({ code: 'custom', message: `must be a regular expression RE2 accepts (no backreferences or lookaround): ${reason}` });
  }
});

// Names as a team broker's OpenID provider gives them too (alice@example.com, 00u1Ab…), not only login names.
export const requester = z.string().regex(/^(\*|user:[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127}|group:[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127})$/, 'must be *, user:NAME or group:NAME');

const role = z
  .strictObject({
    description: z.string().default(''),
    ttl: z.strictObject({ default: duration, max: duration }),
    ticket: z
      .strictObject({ system: z.literal('offline', { message: 'only `offline` ticket checks are available in this version' }), pattern: anchoredPattern.default(DEFAULT_TICKET_PATTERN) })
      .default({ system: 'offline', pattern: DEFAULT_TICKET_PATTERN }),
    requesters: z.array(requester).min(1),
    approval: z
      .strictObject({ required: z.literal(0, { message: 'approvals need a team broker (`jit serve`), which this version does not include; use 0' }) })
      .default({ required: 0 }),
    issuer: issuerSchema,
    heartbeat: z.strictObject({ interval: duration, timeout: duration }).default({ interval: 30, timeout: 90 }),
    nesting: z.boolean().default(false),
  })
  .refine((r) => r.ttl.default <= r.ttl.max, { message: 'ttl.default must not exceed ttl.max', path: ['ttl', 'default'] })
  .refine((r) => r.heartbeat.interval < r.heartbeat.timeout, { message: 'heartbeat.interval must be shorter than heartbeat.timeout', path: ['heartbeat', 'interval'] });

export const policySchema = z.strictObject({
  roles: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'role names are lower-case letters, digits, - and _'), role).refine((roles) => Object.keys(roles).length > 0, 'define at least one role'),
});

export type PolicyInput = z.output<typeof policySchema>;
