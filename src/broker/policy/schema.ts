// The policy's YAML shape, validated with zod (loaded only when a policy file exists).
import { z } from 'zod';
import { issuerSchema } from '../issuers/schema.js';
import { ticketSchema } from '../tickets/schema.js';
import { duration } from './duration-schema.js';

// Names as a team broker's OpenID provider gives them too (alice@example.com, 00u1Ab…), not only login names.
export const requester = z.string().regex(/^(\*|user:[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127}|group:[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127})$/, 'must be *, user:NAME or group:NAME');

const role = z
  .strictObject({
    description: z.string().default(''),
    ttl: z.strictObject({ default: duration, max: duration }),
    ticket: ticketSchema,
    requesters: z.array(requester).min(1),
    approval: z
      .strictObject({ required: z.literal(0, { message: 'approvals need a team broker (`jit serve`) and its approval commands (`jit requests`, `jit approve`), which this version does not include yet; use 0' }) })
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
