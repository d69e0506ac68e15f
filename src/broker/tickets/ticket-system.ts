// A ticket system tells the broker what a ticket really is: whether it exists, its state, who it is
// assigned to. Each system is one folder (its policy schema and its client); registry.ts lists them.
// `offline` (the pattern alone) asks nobody.
import type { SecretStore } from '../../platform/secret-store.js';

/** A ticket's state, as jit reasons about it whatever the system calls it. */
export type TicketState = 'open' | 'in_progress' | 'done';

export interface TicketFacts {
  /** The key the system answered for: another than the one asked for when the ticket moved. */
  key: string;
  state: TicketState;
  /** The system's own name for the state, for messages ("In Review"). */
  stateName: string;
  /** Identities of the assignee as the system gives them (account id, email); empty when unassigned. */
  assignee: string[];
  title: string;
  url: string;
  /** A reason the system itself gives to refuse it whatever the role allows (a pull request, not an issue). */
  refusal?: string;
}

export interface TicketSystem {
  /** The ticket, or undefined when it does not exist (or is not visible to jit's account). Throws 69 when the system cannot answer. */
  lookup(id: string): Promise<TicketFacts | undefined>;
  /** For `jit doctor`: reaches the system with jit's credentials and asks about what the role needs (a project, a table), never a ticket. What it found, or throws 69/78 with a fix. */
  probe(): Promise<string>;
}

export interface TicketDeps {
  env: NodeJS.ProcessEnv;
  secrets?: SecretStore | undefined;
}

/** What a role asks of its ticket, beyond existing: the states it may be in, and whose it must be. */
export interface TicketRules {
  allowed: TicketState[];
  assignee: 'requester' | 'anyone';
  /** Project keys a ticket must belong to (the part of its key before the dash); any when absent. */
  projects?: string[] | undefined;
}

/** Why the ticket's key alone rules it out (a project the role does not take), before anyone is asked. */
export function keyRefusal(asked: string, rules: TicketRules): string | undefined {
  // JIRA-12 is in project JIRA; owner/repo#12 in repository owner/repo.
  const project = asked.includes('#') ? asked.slice(0, asked.lastIndexOf('#')) : asked.slice(0, asked.lastIndexOf('-'));
  return rules.projects && !rules.projects.includes(project) ? `ticket ${asked} is not in ${rules.projects.join(' or ')}, where this role's tickets are` : undefined;
}

/** Why the ticket does not allow this request, in words for the requester; undefined when it does. */
export function ticketRefusal(asked: string, facts: TicketFacts | undefined, rules: TicketRules, requester: string): string | undefined {
  if (!facts) return `ticket ${asked} was not found, or jit's account may not see it`;
  if (facts.refusal) return facts.refusal;
  if (facts.key !== asked) return `ticket ${asked} has moved to ${facts.key}; ask with ${facts.key}`;
  if (!rules.allowed.includes(facts.state)) return `ticket ${asked} is ${facts.stateName} (${facts.state.replace('_', ' ')}); this role needs it ${rules.allowed.map((state) => state.replace('_', ' ')).join(' or ')} (${facts.url})`;
  if (rules.assignee === 'requester' && !facts.assignee.some((identity) => identity.toLowerCase() === requester.toLowerCase())) {
    return `ticket ${asked} is not assigned to ${requester} (${facts.url})`;
  }
  return undefined;
}
