// `jit roles`: what may be requested, for how long, and how the ticket is checked.
import type { RoleSummary } from '../../backends/contract.js';
import type { Context } from '../context.js';
import type { RolesOptions } from './define/roles.js';
import { colorFor, printJson, table } from '../render.js';

/** `none`, or `1 of group:sre-leads`; `; break-glass 15m` where the role allows it. */
function approval(role: RoleSummary): string {
  const decided = role.approvals === 0 ? 'none' : `${role.approvals} of ${role.approvers.join(', ')}`;
  return role.breakGlass ? `${decided}; break-glass ${role.breakGlass}` : decided;
}

export default async function roles(options: RolesOptions, context: Context): Promise<number> {
  const summaries = await (await context.backend()).roles();
  if (options.json) {
    printJson(context, { roles: summaries });
    return 0;
  }
  const rows = summaries.map((r) => [r.name, `${r.ttl.default} (max ${r.ttl.max})`, r.ticketSystem, approval(r), r.issuer, r.mayRequest ? 'yes' : 'no', r.description]);
  context.stdout.write(table([['ROLE', 'TTL', 'TICKET', 'APPROVAL', 'ISSUER', 'YOU', 'DESCRIPTION'], ...rows], colorFor(context.stdout, context.env)));
  return 0;
}
