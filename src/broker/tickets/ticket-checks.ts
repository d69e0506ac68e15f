// What a role's ticket system says, asked by the broker: once as a request is decided (the last look
// before issuing), again while the grant lives, brought by its heartbeats (embedded and served alike),
// and at once when the system says a ticket changed (a webhook on jit serve).
import type { GrantRecord } from '../records.js';
import type { Revoker } from '../revoker.js';
import type { Policy, RolePolicy } from '../policy/types.js';
import type { Store } from '../store/store.js';
import { degradedTtlSeconds, recheckMs, ticketRules, ticketSystemOf } from './registry.js';
import { JitError } from '../../core/errors.js';
import { RateLimited } from './ticket-http.js';
import { ticketRefusal, type TicketDeps, type TicketFacts } from './ticket-system.js';

/** Live grants (and tickets, and answers) one broker process remembers; beyond it the oldest is forgotten (and looked at again). */
const MAX_REMEMBERED = 10_000;
/** After a look the ticket system could not answer, how long until the next try. */
const TICKET_RETRY_MS = 5000;
/** How old another grant's answer about the same ticket a re-check may reuse, when it is newer than what the grant last saw. */
const SHARED_ANSWER_MS = 5000;
/** How many re-check intervals a live grant may go without its ticket confirmed before it ends. */
const TICKET_UNVERIFIED_INTERVALS = 2;

/** Where one live grant's ticket stands in this broker process. */
interface Look {
  tried: number;
  confirmed: number;
  /** Not confirmed since this process knew it: issued while the system was down, known only since a restart, or its last look failed. Looked at every few seconds until it is. */
  pending: boolean;
  /** Issued unverified (the role allows it while the system is down): its confirmation is audited. */
  degraded: boolean;
  /** The answer it last saw (its place in this process's order of lookups): only newer ones are shared with it. */
  seen: number;
}

/** Why a look is made now: its interval passed, or the system said the ticket changed after lookup `after` began. */
type Occasion = { via: 'interval' } | { via: 'webhook'; after: number };

/** Remembers `value` under `key`, as the newest; past the bound the oldest goes. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  if (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value!);
  map.set(key, value);
}

export class TicketChecks {
  readonly #looks = new Map<string, Look>();
  /** The look under way for each grant, and the one queued after it for a change it began too early to see. */
  readonly #running = new Map<string, Promise<boolean>>();
  readonly #queued = new Map<string, { look: Promise<boolean>; after: number }>();
  /** Answers about tickets (by system setting and ticket), with their place in the order of lookups. */
  readonly #answers = new Map<string, { at: number; seq: number; answer: Promise<TicketFacts | undefined> }>();
  /** Lookups begun by this process so far: what orders answers against changes. */
  #lookups = 0;
  /** When (in that order) a system last said each ticket changed. */
  readonly #changed = new Map<string, number>();
  /** Systems that asked jit, rate-limiting it, to wait until then (ms): nothing is sent to them meanwhile. */
  readonly #quietUntil = new Map<string, { until: number; system: string }>();

  constructor(
    private readonly policy: Policy,
    private readonly deps: TicketDeps,
    private readonly revoker: Revoker,
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** The role's ticket as its system sees it now, or undefined for `offline` (the pattern alone); `seq` places the answer among lookups. Throws 69 when the system cannot answer. */
  lookUp(role: RolePolicy, ticket: string): Promise<{ facts: TicketFacts | undefined; seq: number } | undefined> {
    return this.#ask(role, ticket, undefined);
  }

  /**
   * Asks the system; nothing is sent while it asked jit to wait (rate-limited), until the time it gave.
   * `sharedAfter`: an answer of the last few seconds, newer than that lookup, will do (another grant's,
   * on the same ticket).
   */
  async #ask(role: RolePolicy, ticket: string, sharedAfter: number | undefined): Promise<{ facts: TicketFacts | undefined; seq: number } | undefined> {
    const system = await ticketSystemOf(role.ticket, this.deps);
    if (!system) return undefined;
    const setting = JSON.stringify(role.ticket);
    const now = this.now();
    const quiet = this.#quietUntil.get(setting);
    if (quiet && now < quiet.until) throw new RateLimited(quiet.system, quiet.until - now);
    const key = `${setting}\n${ticket}`;
    const recent = this.#answers.get(key);
    if (sharedAfter !== undefined && recent && recent.seq > sharedAfter && now - recent.at < SHARED_ANSWER_MS) return { facts: await recent.answer, seq: recent.seq };
    const seq = ++this.#lookups;
    const answer = system.lookup(ticket);
    remember(this.#answers, key, { at: now, seq, answer });
    try {
      return { facts: await answer, seq };
    } catch (error) {
      if (this.#answers.get(key)?.seq === seq) this.#answers.delete(key);
      if (error instanceof RateLimited) this.#quietUntil.set(setting, { until: now + error.retryAfterMs, system: error.system });
      throw error;
    }
  }

  /** A system said these tickets changed: returns the mark that looks made from now on are newer than. */
  changed(system: string, tickets: string[]): number {
    for (const ticket of tickets) remember(this.#changed, `${system}\n${ticket}`, this.#lookups);
    return this.#lookups;
  }

  /**
   * A grant was just issued: its ticket confirmed by the look (`seq`) made for it, or (degraded) not
   * looked at, its system down. Returns the change to look again for when its system said the ticket
   * changed after that look began (the look may have missed it); undefined otherwise.
   */
  issued(grant: GrantRecord, looked: { seq: number } | undefined): number | undefined {
    const now = this.now();
    const role = this.policy.roles.get(grant.role);
    remember(this.#looks, grant.id, { tried: now, confirmed: looked ? now : grant.issuedAtMs, pending: !looked, degraded: !looked, seen: looked?.seq ?? 0 });
    const change = role && this.#changed.get(`${role.ticket.system}\n${grant.ticket}`);
    return looked && change !== undefined && change >= looked.seq ? change : undefined;
  }

  /**
   * Looks at a live grant's ticket again when its role's re-check interval has passed (brought by its
   * heartbeats), or at once when the ticket system said it changed (a webhook): a ticket that left the
   * allowed states ends the grant. Resolves false when the system could not be asked.
   *
   * SECURITY: a look for a change is never one that began before the change (it could have read the
   * ticket as it was): it waits for that one and makes its own, one queued per grant however many
   * deliveries come. A system that cannot answer is tried again a few seconds later; a grant whose
   * ticket could not be confirmed for two intervals ends too (or, where the role allows grants while its
   * system is down, for its degradedTtl), so an outage, or a requester who spends jit's rate limit at the
   * system, cannot keep a closed ticket's grant alive to its TTL.
   */
  recheck(grant: GrantRecord, occasion: Occasion = { via: 'interval' }): Promise<boolean> {
    const role = this.policy.roles.get(grant.role);
    const every = role && recheckMs(role.ticket);
    // A break-glass grant was never bound to a ticket: its incident is not a ticket to look at.
    if (!role || every === undefined || grant.state !== 'active' || grant.breakGlass) return Promise.resolve(true);
    const running = this.#running.get(grant.id);
    if (running) {
      if (occasion.via === 'interval') return running;
      const queued = this.#queued.get(grant.id);
      if (queued) {
        // Made for the latest change that joined it: nothing it shares may predate that one.
        queued.after = Math.max(queued.after, occasion.after);
        return queued.look;
      }
      const next = { after: occasion.after, look: Promise.resolve(true) };
      next.look = running
        .catch(() => false)
        .then(() => {
          this.#queued.delete(grant.id);
          return this.recheck(grant, { via: 'webhook', after: next.after });
        });
      this.#queued.set(grant.id, next);
      return next.look;
    }
    const now = this.now();
    // Unknown here (a restarted broker, another replica, a forgotten look): looked at on its next heartbeat.
    const last = this.#looks.get(grant.id) ?? { tried: -Infinity, confirmed: grant.issuedAtMs, pending: true, degraded: false, seen: 0 };
    const due = occasion.via === 'webhook' || (last.pending ? now - last.tried >= TICKET_RETRY_MS : now - last.confirmed >= every && now - last.tried >= Math.min(every, TICKET_RETRY_MS));
    if (!due) return Promise.resolve(true);
    const look = this.#look(grant, role, every, last, now, occasion).finally(() => this.#running.delete(grant.id));
    this.#running.set(grant.id, look);
    return look;
  }

  async #look(grant: GrantRecord, role: RolePolicy, every: number, last: Look, now: number, occasion: Occasion): Promise<boolean> {
    remember(this.#looks, grant.id, { ...last, tried: now });
    const actor = `ticket:${role.ticket.system}`;
    const how = occasion.via === 'webhook' ? { via: 'webhook' } : {};
    let looked;
    try {
      looked = await this.#ask(role, grant.ticket, occasion.via === 'webhook' ? occasion.after : last.seen);
    } catch (error) {
      // An answer that refuses the ticket whatever its state (it moved; it is too large to read) ends the grant now.
      if (error instanceof JitError && error.code === 'ticket_rejected') {
        this.#looks.delete(grant.id);
        await this.revoker.end(grant, 'ticket_closed', actor, { why: error.message.slice(0, 300), ...how });
        return true;
      }
      const degradedMs = (degradedTtlSeconds(role.ticket) ?? 0) * 1000;
      if (now - last.confirmed <= Math.max(TICKET_UNVERIFIED_INTERVALS * every, degradedMs)) {
        // Tried again at the next heartbeats, every few seconds, until the system answers.
        remember(this.#looks, grant.id, { ...last, tried: now, pending: true });
        return false;
      }
      this.#looks.delete(grant.id);
      await this.revoker.end(grant, 'ticket_unverifiable', actor, { why: (error instanceof Error ? error.message : String(error)).slice(0, 300), ...how });
      return true;
    }
    if (!looked) return true;
    const refusal = ticketRefusal(grant.ticket, looked.facts, ticketRules(role.ticket)!, grant.requester);
    if (!refusal) {
      // A grant issued while its system was down: the look that finally confirmed its ticket is on the
      // record before it counts (a failed write leaves it unconfirmed, looked at again).
      if (last.degraded) {
        await this.store.commit({ events: [{ type: 'ticket.verified', actor, grantId: grant.id, requestId: grant.requestId, ticket: grant.ticket, role: grant.role, data: { ticketState: looked.facts!.stateName, ...how } }] });
      }
      remember(this.#looks, grant.id, { tried: now, confirmed: now, pending: false, degraded: false, seen: looked.seq });
      return true;
    }
    this.#looks.delete(grant.id);
    await this.revoker.end(grant, 'ticket_closed', actor, { why: refusal.slice(0, 300), ...(looked.facts ? { ticketState: looked.facts.stateName } : {}), ...how });
    return true;
  }
}
