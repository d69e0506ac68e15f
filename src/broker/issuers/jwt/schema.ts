// The jwt issuer's policy settings.
import { z } from 'zod';

export const jwtSchema = z.strictObject({ type: z.literal('jwt'), audience: z.string().min(1).default('jit') });

export type JwtConfig = z.output<typeof jwtSchema>;
