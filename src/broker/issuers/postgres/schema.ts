// The postgres issuer's policy settings: where the admin connection comes from, which roles a grant's
// login role joins, and where sessions connect.
import { z } from 'zod';
import { duration } from '../../policy/duration-schema.js';
import { SECRET_REFERENCE } from '../secret-reference.js';

// Plain, unquoted PostgreSQL names only: they go into DDL quoted, and a name needing quotes is a mistake here.
const roleName = z.string().regex(/^[a-z_][a-z0-9_$]{0,62}$/, 'must be a PostgreSQL role name: lower-case letters, digits, _ and $');

export const postgresSchema = z
  .strictObject({
    type: z.literal('postgres'),
    connection: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming the admin connection string (postgres://…)'),
    grant: z.array(roleName).min(1).max(32),
    database: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_$.-]{0,62}$/, 'must be a database name').optional(),
    host: z.string().regex(/^[A-Za-z0-9._:/-]{1,255}$/, 'must be a host name, an address or a socket directory').optional(),
    port: z.number().int().min(1).max(65535).optional(),
    // Never the admin: a SECURITY DEFINER function the grantee left behind would run with the admin's rights.
    ownedObjects: z.union([z.literal('drop'), z.strictObject({ reassignTo: roleName })]).default('drop'),
    timeout: duration.default(10),
  })
  .transform(({ timeout, ...rest }) => ({ ...rest, timeoutSeconds: timeout }));

export type PostgresConfig = z.output<typeof postgresSchema>;
