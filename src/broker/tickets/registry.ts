// The ticket systems by name. Adding one: its folder, a line here and a line in schema.ts.
import type { TicketConfig } from './schema.js';
import type { TicketDeps, TicketRules, TicketSystem } from './ticket-system.js';
import type { TicketWebhook } from './ticket-webhook.js';

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

/** The references (env:, file:, keychain:) the system's credentials and webhook secret are read from. */
export function ticketSecretReferences(config: TicketConfig): string[] {
  if (config.system === 'offline') return [];
  const webhook = webhookSecretOf(config);
  return webhook ? [config.credentials, webhook] : [config.credentials];
}

/** The reference the secret of the system's webhooks is read from; undefined when it sends none to jit. */
export function webhookSecretOf(config: TicketConfig): string | undefined {
  return config.system === 'offline' || config.system === 'servicenow' ? undefined : config.webhookSecret;
}

/** What the role asks of its tickets; `offline` asks nothing it could check. */
export function ticketRules(config: TicketConfig): TicketRules | undefined {
  if (config.system === 'offline') return undefined;
  return { allowed: config.allowed, assignee: config.assignee, projects: config.system === 'github' ? config.repositories : config.system === 'servicenow' || config.system === 'pagerduty' ? undefined : config.projects };
}

/** How long a grant may live unverified when the role allows it while its system is down; undefined when the role refuses then. */
export function degradedTtlSeconds(config: TicketConfig): number | undefined {
  return config.system !== 'offline' && config.whenDown === 'allow' ? config.degradedTtl : undefined;
}

/** How often a live grant's ticket is looked at again; undefined for `offline`. */
export function recheckMs(config: TicketConfig): number | undefined {
  return config.system === 'offline' ? undefined : config.recheckSeconds * 1000;
}

/** The systems that can tell jit serve a ticket changed. */
export const WEBHOOK_SYSTEMS = ['jira', 'github', 'gitlab', 'pagerduty'] as const;

/** How a system's webhook deliveries are proven and read. */
export async function ticketWebhookOf(system: (typeof WEBHOOK_SYSTEMS)[number]): Promise<TicketWebhook> {
  switch (system) {
    case 'jira':
      return (await import('./jira/webhook.js')).jiraWebhook;
    case 'github':
      return (await import('./github/webhook.js')).githubWebhook;
    case 'gitlab':
      return (await import('./gitlab/webhook.js')).gitlabWebhook;
    case 'pagerduty':
      return (await import('./pagerduty/webhook.js')).pagerdutyWebhook;
  }
}
