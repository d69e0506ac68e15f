// What a role's ticket system says, asked by the broker: once as a request is decided (the last look
// before issuing), and again while the grant lives, brought by its heartbeats (embedded and served alike).
import type { GrantRecord } from '../records.js';
import type { Revoker } from '../revoker.js';
import type { Policy, RolePolicy } from '../policy/types.js';
import type { Store } from '../store/store.js';
import { degradedTtlSeconds, recheckMs, ticketRules, ticketSystemOf } from './registry.js';
import { RateLimited } from './ticket-http.js';
import { ticketRefusal, type TicketDeps, type TicketFacts } from './ticket-system.js';

/** Live grants whose last ticket look one broker process remembers; beyond it the oldest is forgotten (and looked at again). */
const MAX_TICKET_LOOKS = 10_000;
/** After a re-check the ticket system could not answer, how long until the next try. */
const TICKET_RETRY_MS = 5000;
/** How old another grant's answer about the same ticket a re-check at its interval may reuse. Webhooks and requests always ask afresh. */
const SHARED_ANSWER_MS = 5000;
/** How many re-check intervals a live grant may go without its ticket confirmed before it ends. */
const TICKET_UNVERIFIED_INTERVALS = 2;

/** Where one live grant's ticket stands in this broker process. */
interface Look {
  tried: number;
  confirmed: number;
  /** Not confirmed since this process knew it: issued while the system was down, or known only since a restart. Looked at every few seconds until it is. */
  pending: boolean;
  /** Issued unverified (the role allows it while the system is down): its confirmation is audited. */
  degraded: boolean;
}

export class TicketChecks {
  /** Each live grant's look, oldest first; beyond MAX_TICKET_LOOKS the oldest is forgotten (and looked at again). */
  readonly #looks = new Map<string, Look>();
  /** The look under way for each grant, so that a second reason to look waits for it instead. */
  readonly #running = new Map<string, Promise<void>>();
  /** Answers about tickets (by system setting and ticket), for re-checks of several grants on one ticket. */
  readonly #answers = new Map<string, { at: number; answer: Promise<TicketFacts | undefined> }>();
  /** Systems that asked jit, rate-limiting it, to wait until then (ms): nothing is sent to them meanwhile. */
  readonly #quietUntil = new Map<string, { until: number; system: string }>();

  constructor(
    private readonly policy: Policy,
    private readonly deps: TicketDeps,
    private readonly revoker: Revoker,
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /**
   * The role's ticket as its system sees it, or undefined for `offline` (the pattern alone). Throws 69
   * when the system cannot answer, or asked jit to wait (rate-limited): then nothing is sent to it until
   * the time it gave. `sharedAfter`: an answer got in the last few seconds, after this time (by another
   * grant's re-check, so newer than this grant's own last look), will do.
   */
  async lookUp(role: RolePolicy, ticket: string, sharedAfter?: number): Promise<{ facts: TicketFacts | undefined } | undefined> {
    const system = await ticketSystemOf(role.ticket, this.deps);
    if (!system) return undefined;
    const setting = JSON.stringify(role.ticket);
    const now = this.now();
    const quiet = this.#quietUntil.get(setting);
    if (quiet && now < quiet.until) throw new RateLimited(quiet.system, quiet.until - now);
    const key = `${setting}\n${ticket}`;
    const recent = this.#answers.get(key);
    if (sharedAfter !== undefined && recent && recent.at > sharedAfter && now - recent.at < SHARED_ANSWER_MS) return { facts: await recent.answer };
    const answer = system.lookup(ticket);
    this.#answers.delete(key);
    if (this.#answers.size >= MAX_TICKET_LOOKS) this.#answers.delete(this.#answers.keys().next().value!);
    this.#answers.set(key, { at: now, answer });
    try {
      return { facts: await answer };
    } catch (error) {
      this.#answers.delete(key);
      if (error instanceof RateLimited) this.#quietUntil.set(setting, { until: now + error.retryAfterMs, system: error.system });
      throw error;
    }
  }

  /** A grant was just issued: its ticket confirmed by the look made for it, or (degraded) not looked at, its system down. */
  issued(grant: GrantRecord, verified: boolean): void {
    const now = this.now();
    this.#remember(grant.id, { tried: now, confirmed: verified ? now : grant.issuedAtMs, pending: !verified, degraded: !verified });
  }

  /**
   * Looks at a live grant's ticket again when its role's re-check interval has passed (brought by its
   * heartbeats, so embedded and served alike), or at once when the ticket system said it changed (a
   * webhook, `now`): a ticket that left the allowed states ends the grant. A system that cannot answer is
   * tried again a few seconds later; SECURITY: a grant whose ticket could not be confirmed for two
   * intervals ends too (or, where the role allows grants while its system is down, for its degradedTtl),
   * so an outage (or a requester who spends jit's rate limit at the system) cannot keep a closed ticket's
   * grant alive to its TTL. One look per grant at a time: a burst of webhooks for one ticket asks once.
   */
  recheck(grant: GrantRecord, how: { now?: boolean; via?: 'webhook' } = {}): Promise<void> {
    const role = this.policy.roles.get(grant.role);
    const every = role && recheckMs(role.ticket);
    if (!role || every === undefined || grant.state !== 'active') return Promise.resolve();
    const now = this.now();
    // Unknown here (a restarted broker, another replica, a forgotten look): looked at on its next heartbeat.
    const last = this.#looks.get(grant.id) ?? { tried: -Infinity, confirmed: grant.issuedAtMs, pending: true, degraded: false };
    const due = how.now || (last.pending ? now - last.tried >= TICKET_RETRY_MS : now - last.confirmed >= every && now - last.tried >= Math.min(every, TICKET_RETRY_MS));
    const running = this.#running.get(grant.id);
    if (running || !due) return running ?? Promise.resolve();
    const look = this.#look(grant, role, every, last, now, how.via).finally(() => this.#running.delete(grant.id));
    this.#running.set(grant.id, look);
    return look;
  }

  #remember(id: string, look: Look): void {
    this.#looks.delete(id);
    if (this.#looks.size >= MAX_TICKET_LOOKS) this.#looks.delete(this.#looks.keys().next().value!);
    this.#looks.set(id, look);
  }

  async #look(grant: GrantRecord, role: RolePolicy, every: number, last: Look, now: number, via: 'webhook' | undefined): Promise<void> {
    this.#remember(grant.id, { ...last, tried: now });
    const actor = `ticket:${role.ticket.system}`;
    const how = via ? { via } : {};
    let looked;
    try {
      looked = await this.lookUp(role, grant.ticket, via === undefined ? last.tried : undefined);
    } catch (error) {
      const degradedMs = (degradedTtlSeconds(role.ticket) ?? 0) * 1000;
      if (now - last.confirmed <= Math.max(TICKET_UNVERIFIED_INTERVALS * every, degradedMs)) return;
      this.#looks.delete(grant.id);
      await this.revoker.end(grant, 'ticket_unverifiable', actor, { why: (error instanceof Error ? error.message : String(error)).slice(0, 300), ...how });
      return;
    }
    if (!looked) return;
    const refusal = ticketRefusal(grant.ticket, looked.facts, ticketRules(role.ticket)!, grant.requester);
    if (!refusal) {
      this.#remember(grant.id, { tried: now, confirmed: now, pending: false, degraded: false });
      // A grant issued while its system was down: the look that finally confirmed its ticket is on the record.
      if (last.degraded) {
        await this.store.commit({ events: [{ type: 'ticket.verified', actor, grantId: grant.id, requestId: grant.requestId, ticket: grant.ticket, role: grant.role, data: { ticketState: looked.facts!.stateName, ...how } }] });
      }
      return;
    }
    this.#looks.delete(grant.id);
    await this.revoker.end(grant, 'ticket_closed', actor, { why: refusal.slice(0, 300), ...(looked.facts ? { ticketState: looked.facts.stateName } : {}), ...how });
  }
}
