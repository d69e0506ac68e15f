// A role whose tickets are PagerDuty incidents, named by their id (PT4KHLK): for on-call work, where the
// incident is the task. triggered is open, acknowledged in progress, resolved done.
import { z } from 'zod';
import { compileTicketPattern } from '../../../core/ticket-pattern.js';
import { duration } from '../../policy/duration-schema.js';
import { SECRET_REFERENCE } from '../../issuers/secret-reference.js';
import { whenDownSettings } from '../when-down-schema.js';

/** An incident or service id as PagerDuty writes them: a capital letter, then capitals and digits. */
export const PAGERDUTY_ID = '^[A-Z][A-Z0-9]{6,19}$';
// Compiled (on RE2) with the policy, as every ticket pattern is before a ticket is checked against it.
compileTicketPattern(PAGERDUTY_ID);

export const pagerdutySchema = z
  .strictObject({
    system: z.literal('pagerduty'),
    api: z.string().regex(/^https:\/\/api(\.eu)?\.pagerduty\.com$|^http:\/\/(127\.0\.0\.1|localhost)(:[0-9]{1,5})?$/, 'must be https://api.pagerduty.com or https://api.eu.pagerduty.com').default('https://api.pagerduty.com'),
    credentials: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming a REST API key that may read incidents'),
    // The services whose incidents this role takes; any service's when absent.
    services: z.array(z.string().regex(new RegExp(PAGERDUTY_ID), 'must be a PagerDuty service id')).min(1).optional(),
    allowed: z.array(z.enum(['open', 'in_progress', 'done'])).min(1).default(['open', 'in_progress']),
    assignee: z.enum(['requester', 'anyone']).default('anyone'),
    // The shared secret its webhooks are signed with: jit serve then looks at a ticket as soon as it changes.
    webhookSecret: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming the webhook’s secret').optional(),
    recheck: duration.default(60),
    ...whenDownSettings,
  })
  .transform(({ recheck, ...rest }) => ({ ...rest, pattern: PAGERDUTY_ID, recheckSeconds: recheck }));

export type PagerdutyConfig = z.output<typeof pagerdutySchema>;
