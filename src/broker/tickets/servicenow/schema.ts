// A role whose tickets are ServiceNow change requests or incidents (CHG0000001, INC0010001), polled: the
// platform has no standard webhook. State numbers can be customised per instance, so the mapping to
// jit's open / in progress / done is the documented default, changed per value with `states:`.
import { z } from 'zod';
import { compileTicketPattern } from '../../../core/ticket-pattern.js';
import { duration } from '../../policy/duration-schema.js';
import { SECRET_REFERENCE } from '../../issuers/secret-reference.js';
import { whenDownSettings } from '../when-down-schema.js';
import type { TicketState } from '../ticket-system.js';

export type ServicenowTable = 'change_request' | 'incident';

/** The number prefix of each table's records, as ServiceNow ships them. */
export const NUMBER_PREFIX: Record<ServicenowTable, string> = { change_request: 'CHG', incident: 'INC' };

/** Each table's state values as shipped: their names and what they mean to jit. */
export const DEFAULT_STATES: Record<ServicenowTable, Record<string, { name: string; state: TicketState }>> = {
  change_request: {
    '-5': { name: 'New', state: 'open' },
    '-4': { name: 'Assess', state: 'open' },
    '-3': { name: 'Authorize', state: 'open' },
    '-2': { name: 'Scheduled', state: 'open' },
    '-1': { name: 'Implement', state: 'in_progress' },
    '0': { name: 'Review', state: 'done' },
    '3': { name: 'Closed', state: 'done' },
    '4': { name: 'Canceled', state: 'done' },
  },
  incident: {
    '1': { name: 'New', state: 'open' },
    '2': { name: 'In Progress', state: 'in_progress' },
    '3': { name: 'On Hold', state: 'in_progress' },
    '6': { name: 'Resolved', state: 'done' },
    '7': { name: 'Closed', state: 'done' },
    '8': { name: 'Canceled', state: 'done' },
  },
};

const stateOverrides = z.record(z.string().regex(/^-?[0-9]{1,4}$/, 'must be a state value, like -1 or 2'), z.enum(['open', 'in_progress', 'done']));

export const servicenowSchema = z
  .strictObject({
    system: z.literal('servicenow'),
    instance: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^http:\/\/(127\.0\.0\.1|localhost)(:[0-9]{1,5})?$/, 'must be the instance’s https:// address, with nothing after the host'),
    credentials: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming USER:PASSWORD (auth: basic) or an OAuth access token (auth: bearer)'),
    auth: z.enum(['basic', 'bearer']).default('basic'),
    // Required: the tables decide which numbers a requester may name, and so what jit's account is asked about.
    tables: z.array(z.enum(['change_request', 'incident'])).min(1),
    allowed: z.array(z.enum(['open', 'in_progress', 'done'])).min(1).default(['in_progress']),
    assignee: z.enum(['requester', 'anyone']).default('anyone'),
    states: z.strictObject({ change_request: stateOverrides.optional(), incident: stateOverrides.optional() }).default({}),
    recheck: duration.default(60),
    ...whenDownSettings,
  })
  .transform(({ recheck, tables, ...rest }) => {
    // CHG0000001: the prefix names the table, seven or more digits (an instance may lengthen them).
    const pattern = `^(${[...new Set(tables)].map((table) => NUMBER_PREFIX[table]).join('|')})[0-9]{7,10}$`;
    compileTicketPattern(pattern);
    return { ...rest, tables, pattern, recheckSeconds: recheck };
  });

export type ServicenowConfig = z.output<typeof servicenowSchema>;
