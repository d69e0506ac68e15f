// A role whose tickets are Jira issues (Cloud, or Data Center with `auth: bearer`).
import { z } from 'zod';
import { compileTicketPattern } from '../../../core/ticket-pattern.js';
import { duration } from '../../policy/duration-schema.js';
import { SECRET_REFERENCE } from '../../issuers/secret-reference.js';
import { whenDownSettings } from '../when-down-schema.js';

export const JIRA_KEY = '^[A-Z][A-Z0-9_]+-[1-9][0-9]*$';
// Compiled (on RE2) with the policy, as every ticket pattern is before a ticket is checked against it.
compileTicketPattern(JIRA_KEY);

export const jiraSchema = z
  .strictObject({
    system: z.literal('jira'),
    site: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^http:\/\/(127\.0\.0\.1|localhost)(:[0-9]{1,5})?$/, 'must be the site’s https:// address, with nothing after the host'),
    credentials: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming EMAIL:API_TOKEN (Cloud) or a personal access token (auth: bearer)'),
    auth: z.enum(['basic', 'bearer']).default('basic'),
    // Required: without it, requesters could learn through jit's account about any issue on the site.
    projects: z.array(z.string().regex(/^[A-Z][A-Z0-9_]{1,9}$/, 'must be a Jira project key')).min(1),
    allowed: z.array(z.enum(['open', 'in_progress', 'done'])).min(1).default(['in_progress']),
    assignee: z.enum(['requester', 'anyone']).default('anyone'),
    // The shared secret its webhooks are signed with: jit serve then looks at a ticket as soon as it changes.
    webhookSecret: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming the webhook’s secret').optional(),
    recheck: duration.default(60),
    ...whenDownSettings,
  })
  .transform(({ recheck, ...rest }) => ({ ...rest, pattern: JIRA_KEY, recheckSeconds: recheck }));

export type JiraConfig = z.output<typeof jiraSchema>;
