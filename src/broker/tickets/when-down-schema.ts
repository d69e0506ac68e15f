// What a role does when its ticket system cannot answer, said explicitly per role: refuse (the default,
// exit 69), or allow with the grant marked unverified, a shorter TTL, and a look as soon as it answers.
import { z } from 'zod';
import { duration } from '../policy/duration-schema.js';

export const whenDownSettings = {
  whenDown: z.enum(['refuse', 'allow']).default('refuse'),
  // The longest a grant may live unverified: a degraded grant's TTL, and how long a live one may go unconfirmed.
  degradedTtl: duration.default(600),
};
