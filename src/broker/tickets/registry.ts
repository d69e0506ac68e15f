// The ticket systems by name. Adding one: its folder, a line here and a line in schema.ts.
import type { TicketConfig } from './schema.js';
import type { TicketDeps, TicketRules, TicketSystem } from './ticket-system.js';

export type { TicketConfig } from './schema.js';

/** The system a role's tickets are looked up in; undefined for `offline`, which asks nobody. */
export async function ticketSystemOf(config: TicketConfig, deps: TicketDeps): Promise<TicketSystem | undefined> {
  switch (config.system) {
    case 'offline':
      return undefined;
    case 'jira': {
      const { Jira } = await import('./jira/jira.js');
      return new Jira(config, deps);
    }
    case 'github': {
      const { Github } = await import('./github/github.js');
      return new Github(config, deps);
    }
    case 'gitlab': {
      const { Gitlab } = await import('./gitlab/gitlab.js');
      return new Gitlab(config, deps);
    }
    case 'servicenow': {
      const { Servicenow } = await import('./servicenow/servicenow.js');
      return new Servicenow(config, deps);
    }
    case 'pagerduty': {
      const { Pagerduty } = await import('./pagerduty/pagerduty.js');
      return new Pagerduty(config, deps);
    }
  }
}

/** The references (env:, file:, keychain:) the system's credentials are read from. */
export function ticketSecretReferences(config: TicketConfig): string[] {
  return config.system === 'offline' ? [] : [config.credentials];
}

/** What the role asks of its tickets; `offline` asks nothing it could check. */
export function ticketRules(config: TicketConfig): TicketRules | undefined {
  if (config.system === 'offline') return undefined;
  return { allowed: config.allowed, assignee: config.assignee, projects: config.system === 'github' ? config.repositories : config.system === 'servicenow' || config.system === 'pagerduty' ? undefined : config.projects };
}

/** How often a live grant's ticket is looked at again; undefined for `offline`. */
export function recheckMs(config: TicketConfig): number | undefined {
  return config.system === 'offline' ? undefined : config.recheckSeconds * 1000;
}
