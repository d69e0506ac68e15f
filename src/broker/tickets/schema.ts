// Every ticket system's policy settings, as one union keyed by `system`. Adding one: a line here and in registry.ts.
import { z } from 'zod';
import { DEFAULT_TICKET_PATTERN } from '../../core/identifiers.js';
import { githubSchema } from './github/schema.js';
import { gitlabSchema } from './gitlab/schema.js';
import { jiraSchema } from './jira/schema.js';
import { offlineSchema } from './offline/schema.js';
import { pagerdutySchema } from './pagerduty/schema.js';
import { servicenowSchema } from './servicenow/schema.js';

export const ticketSchema = z.discriminatedUnion('system', [offlineSchema, jiraSchema, githubSchema, gitlabSchema, servicenowSchema, pagerdutySchema]).default({ system: 'offline', pattern: DEFAULT_TICKET_PATTERN });

export type TicketConfig = z.output<typeof ticketSchema>;
