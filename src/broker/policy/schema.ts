// The policy's YAML shape, validated with zod (loaded only when a policy file exists).
import { z } from 'zod';
import { issuerSchema } from '../issuers/schema.js';
import { ticketSchema } from '../tickets/schema.js';
import { duration } from './duration-schema.js';
import { workloadsSchema } from './workload-schema.js';

// Names as a team broker's OpenID provider gives them too (alice@example.com, 00u1Ab…), not only login names.
// People only: who approves, reviews or reads the audit is never a CI job.
export const person = z.string().regex(/^(\*|user:[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127}|group:[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127})$/, 'must be *, user:NAME or group:NAME');
// Who may request a role: people, and workloads by name (`*` is every person, never a workload).
export const requester = z.string().regex(/^(\*|user:[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127}|group:[A-Za-z0-9_][A-Za-z0-9._@+-]{0,127}|workload:[a-z][a-z0-9_-]{0,62})$/, 'must be *, user:NAME, group:NAME or workload:NAME');

/** How long a request may wait for its approvers, at most: a request is for a task at hand. */
const MAX_PENDING_SECONDS = 24 * 3600;

const approvalSchema = z
  .strictObject({
    required: z.number().int().min(0).max(5, 'at most 5 approvals'),
    approvers: z.array(person).default([]),
    // SECURITY: nobody approves their own request; the setting exists so that a policy can say so.
    self: z.literal(false, { message: 'nobody approves their own request: remove self, or set it to false' }).default(false),
    pendingTtl: duration.refine((seconds) => seconds <= MAX_PENDING_SECONDS, 'a request waits for its approvers at most 24h').default(3600),
  })
  .refine((a) => a.required === 0 || a.approvers.length > 0, { message: 'name who may approve: approvers: [group:NAME] or [user:NAME]', path: ['approvers'] })
  .default({ required: 0, approvers: [], self: false, pendingTtl: 3600 });

/** Break-glass is for the minutes an incident needs before someone can approve: never longer than this. */
const MAX_BREAK_GLASS_SECONDS = 3600;

// Emergency access without an approver, for the role's requesters: short, announced, and reviewed after by someone else.
const breakGlassSchema = z
  .strictObject({
    allowed: z.boolean(),
    ttl: duration.refine((seconds) => seconds <= MAX_BREAK_GLASS_SECONDS, 'break-glass lasts at most 1h: it is for the minutes before an approver can be found').default(900),
    // Who closes the review of each use (`jit review`), never the one who used it. Default: the role's approvers.
    reviewers: z.array(person).optional(),
  })
  .default({ allowed: false, ttl: 900 });

const role = z
  .strictObject({
    description: z.string().default(''),
    ttl: z.strictObject({ default: duration, max: duration }),
    ticket: ticketSchema,
    requesters: z.array(requester).min(1),
    approval: approvalSchema,
    issuer: issuerSchema,
    heartbeat: z.strictObject({ interval: duration, timeout: duration }).default({ interval: 30, timeout: 90 }),
    nesting: z.boolean().default(false),
    breakGlass: breakGlassSchema,
  })
  .refine((r) => r.ttl.default <= r.ttl.max, { message: 'ttl.default must not exceed ttl.max', path: ['ttl', 'default'] })
  .refine((r) => r.heartbeat.interval < r.heartbeat.timeout, { message: 'heartbeat.interval must be shorter than heartbeat.timeout', path: ['heartbeat', 'interval'] })
  .refine((r) => !r.breakGlass.allowed || (r.breakGlass.reviewers ?? r.approval.approvers).length > 0, {
    message: 'name who reviews each break-glass use: breakGlass.reviewers: [group:NAME] (or approval.approvers)',
    path: ['breakGlass', 'reviewers'],
  });

export const policySchema = z
  .strictObject({
    roles: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'role names are lower-case letters, digits, - and _'), role).refine((roles) => Object.keys(roles).length > 0, 'define at least one role'),
    workloads: workloadsSchema,
  })
  .superRefine((policy, context) => {
    // A rule naming a workload the policy does not define would match nobody today and whoever is defined under that name tomorrow.
    for (const [name, role] of Object.entries(policy.roles)) {
      role.requesters.forEach((rule, index) => {
        if (rule.startsWith('workload:') && !(rule.slice(9) in policy.workloads)) {
          context.addIssue({ code: 'custom', path: ['roles', name, 'requesters', index], message: `${rule} is not defined under workloads:` });
        }
      });
    }
  });

export type PolicyInput = z.output<typeof policySchema>;
