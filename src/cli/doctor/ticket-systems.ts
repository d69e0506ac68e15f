// `jit doctor`'s look at the ticket systems the embedded policy names: each reached with its credentials,
// and asked about what its roles need (a project, a repository, a table, the incidents), never a ticket.
// A team broker's systems are its own to check: its credentials are not on this workstation.
import type { CheckResult } from './checks.js';
import type { Context } from '../context.js';

export async function checkTicketSystems(context: Context): Promise<CheckResult[]> {
  if ((await context.config().catch(() => undefined))?.backend !== 'embedded') return [];
  const { loadPolicy } = await import('../../broker/policy/load.js');
  // An unreadable policy is the policy check's failure.
  const policy = await loadPolicy(context.paths.configDir).catch(() => undefined);
  if (!policy) return [];
  const { ticketSystemOf } = await import('../../broker/tickets/registry.js');
  // One probe per distinct setting: roles sharing a system and its scope are asked about once.
  const settings = new Map<string, { config: (typeof roles)[number]['ticket']; roles: string[] }>();
  const roles = [...policy.roles.values()];
  for (const role of roles) {
    if (role.ticket.system === 'offline') continue;
    const key = JSON.stringify(role.ticket);
    const seen = settings.get(key) ?? { config: role.ticket, roles: [] };
    seen.roles.push(role.name);
    settings.set(key, seen);
  }
  const results: CheckResult[] = [];
  for (const { config, roles: names } of settings.values()) {
    const name = `ticket ${config.system}`;
    const forRoles = `for ${names.join(', ')}`;
    try {
      const system = await ticketSystemOf(config, { env: context.env, secrets: context.secrets() });
      results.push({ name, status: 'ok', detail: `${await system!.probe()} (${forRoles})` });
    } catch (error) {
      const hint = (error as { hint?: string }).hint;
      results.push({ name, status: 'fail', detail: `${error instanceof Error ? error.message : String(error)} (${forRoles})`, ...(hint ? { fix: hint } : {}) });
    }
  }
  return results;
}
