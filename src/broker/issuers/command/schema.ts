// The command issuer's policy settings: the admin's executables, a timeout and parameters they receive.
import { z } from 'zod';
import { duration } from '../../policy/duration-schema.js';

const absoluteExecutable = z.string().regex(/^\/[^\0]*$/, 'must be an absolute path to an executable');

export const commandSchema = z
  .strictObject({
    type: z.literal('command'),
    issue: absoluteExecutable,
    revoke: absoluteExecutable,
    verify: absoluteExecutable.optional(),
    /** Moves a live credential's end at the target (`jit extend`); without it, this role's grants are not extended. */
    renew: absoluteExecutable.optional(),
    timeout: duration.default(30),
    params: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/), z.string()).default({}),
  })
  .transform(({ timeout, ...rest }) => ({ ...rest, verify: rest.verify, timeoutSeconds: timeout }));

export type CommandConfig = z.output<typeof commandSchema>;
