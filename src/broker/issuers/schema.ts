// Every issuer type's policy settings, as one union keyed by `type`. Adding a type: a line here and in registry.ts.
import { z } from 'zod';
import { commandSchema } from './command/schema.js';
import { jwtSchema } from './jwt/schema.js';
import { postgresSchema } from './postgres/schema.js';
import { sshSchema } from './ssh/schema.js';

export const issuerSchema = z.discriminatedUnion('type', [jwtSchema, commandSchema, postgresSchema, sshSchema]);

export type IssuerConfig = z.output<typeof issuerSchema>;
