// A role whose tickets are GitLab issues (gitlab.com or a self-managed instance).
import { z } from 'zod';
import { compileTicketPattern } from '../../../core/ticket-pattern.js';
import { duration } from '../../policy/duration-schema.js';
import { SECRET_REFERENCE } from '../../issuers/secret-reference.js';
import { whenDownSettings } from '../when-down-schema.js';

/** `group/project#123` (subgroups allowed), as GitLab writes a full issue reference. */
export const GITLAB_REFERENCE = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}){1,5}#[1-9][0-9]{0,9}$';
// Compiled (on RE2) with the policy, as every ticket pattern is before a ticket is checked against it.
compileTicketPattern(GITLAB_REFERENCE);

export const gitlabSchema = z
  .strictObject({
    system: z.literal('gitlab'),
    site: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^http:\/\/(127\.0\.0\.1|localhost)(:[0-9]{1,5})?$/, 'must be the instance’s https:// address, with nothing after the host').default('https://gitlab.com'),
    credentials: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming a token with read_api'),
    // Required: without it, requesters could learn through jit's token about any project it may read.
    projects: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}(\/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}){1,5}$/, 'must be GROUP/PROJECT')).min(1),
    allowed: z.array(z.enum(['open', 'done'])).min(1).default(['open']),
    assignee: z.enum(['requester', 'anyone']).default('anyone'),
    // The shared secret its webhooks are signed with: jit serve then looks at a ticket as soon as it changes.
    webhookSecret: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming the webhook’s secret').optional(),
    recheck: duration.default(60),
    ...whenDownSettings,
  })
  .transform(({ recheck, ...rest }) => ({ ...rest, pattern: GITLAB_REFERENCE, recheckSeconds: recheck }));

export type GitlabConfig = z.output<typeof gitlabSchema>;
