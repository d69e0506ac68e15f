// A role whose tickets are GitHub issues (github.com, or GitHub Enterprise Server with `api:`).
import { z } from 'zod';
import { compileTicketPattern } from '../../../core/ticket-pattern.js';
import { duration } from '../../policy/duration-schema.js';
import { SECRET_REFERENCE } from '../../issuers/secret-reference.js';
import { whenDownSettings } from '../when-down-schema.js';

/** `owner/repo#123`, as GitHub writes a cross-repository reference. */
export const GITHUB_REFERENCE = '^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}#[1-9][0-9]{0,9}$';
// Compiled (on RE2) with the policy, as every ticket pattern is before a ticket is checked against it.
compileTicketPattern(GITHUB_REFERENCE);

const repository = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/, 'must be OWNER/REPO')
  .refine((name) => !['.', '..'].includes(name.split('/')[1]!), 'must be OWNER/REPO');

export const githubSchema = z
  .strictObject({
    system: z.literal('github'),
    api: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/api\/v3)?$|^http:\/\/(127\.0\.0\.1|localhost)(:[0-9]{1,5})?$/, 'must be https://api.github.com or a GitHub Enterprise https://HOST/api/v3').default('https://api.github.com'),
    credentials: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming a token that may read the repositories’ issues'),
    // Required: without it, requesters could learn through jit's token about any repository it may read.
    repositories: z.array(repository).min(1),
    allowed: z.array(z.enum(['open', 'done'])).min(1).default(['open']),
    assignee: z.enum(['requester', 'anyone']).default('anyone'),
    // The shared secret its webhooks are signed with: jit serve then looks at a ticket as soon as it changes.
    webhookSecret: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming the webhook’s secret').optional(),
    recheck: duration.default(60),
    ...whenDownSettings,
  })
  .transform(({ recheck, ...rest }) => ({ ...rest, pattern: GITHUB_REFERENCE, recheckSeconds: recheck }));

export type GithubConfig = z.output<typeof githubSchema>;
