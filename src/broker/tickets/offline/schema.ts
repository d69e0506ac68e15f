// A role whose tickets are checked against a pattern only, offline, and recorded as unverified.
import { z } from 'zod';
import { DEFAULT_TICKET_PATTERN } from '../../../core/identifiers.js';
import { anchoredPattern } from '../../policy/pattern-schema.js';

export const offlineSchema = z.strictObject({ system: z.literal('offline'), pattern: anchoredPattern.default(DEFAULT_TICKET_PATTERN) });

export type OfflineConfig = z.output<typeof offlineSchema>;
