// Renewal (`jit extend`): a live grant's end moved later, as a fresh decision. The policy as it is now
// (the role still exists, the caller may still request it), the ticket looked at again, approvals again
// where the role needs them, never past the role's maximum counted from issue; the target moves its own
// end first, then the grant's, compare-and-set on the end the decision was made on.
import { randomBytes } from 'node:crypto';
import type { Grant } from '../backends/contract.js';
import { formatDuration } from '../core/duration.js';
import { JitError, displayValue } from '../core/errors.js';
import { formatId } from '../core/ids.js';
import { provenanceOf } from './actor.js';
import type { Operator } from '../platform/operator.js';
import { assertRoomToWait } from './approvals.js';
import type { Issuer } from './issuers/issuer.js';
import { mayRequest } from './policy/requesters.js';
import type { Policy, RolePolicy } from './policy/types.js';
import type { GrantRecord, RequestRecord } from './records.js';
import type { Store } from './store/store.js';
import { ticketRules } from './tickets/registry.js';
import type { TicketChecks } from './tickets/ticket-checks.js';
import { ticketRefusal } from './tickets/ticket-system.js';

/** What `jit extend` asks: a new decision for so many seconds more, or the pick-up of one its approvers made. */
export type ExtendAsk = { bySeconds: number; reason?: string } | { requestId: string };

export interface RenewalDeps {
  store: Store;
  policy: Policy;
  tickets: TicketChecks;
  now: () => number;
  actor: (caller: Operator) => string;
  issuerFor: (grant: GrantRecord) => Promise<Issuer>;
  publicGrant: (grant: GrantRecord) => Grant;
  /** The approved renewal request of the caller's for this grant, checked as a pick-up is (approvals.ts). */
  approvedRenewal: (caller: Operator, requestId: string, grantId: string) => Promise<RequestRecord>;
}

const noGrant = (id: string) => new JitError('usage', `there is no grant ${displayValue(id)} of yours`, { hint: '`jit status` lists your grants' });

export class Renewals {
  constructor(private readonly deps: RenewalDeps) {}

  async extend(caller: Operator, grantId: string, ask: ExtendAsk): Promise<Grant> {
    const grant = await this.deps.store.getGrant(grantId);
    // The exact name, as everywhere a grant is owned.
    if (!grant || grant.requester !== caller.name) throw noGrant(grantId);
    if ('requestId' in ask) {
      const request = await this.deps.approvedRenewal(caller, ask.requestId, grant.id);
      const role = await this.#decide(caller, grant, request.ttlSeconds);
      return this.#apply(caller, grant, role, request);
    }
    const role = await this.#decide(caller, grant, ask.bySeconds);
    const now = this.deps.now();
    const request: RequestRecord = {
      id: formatId('r', randomBytes(16)), role: role.name, ticket: grant.ticket, ticketVerified: ticketRules(role.ticket) !== undefined,
      requester: caller.name, reason: ask.reason ?? null, ttlSeconds: ask.bySeconds, state: 'approved', createdAtMs: now, pendingUntilMs: null, renewsGrant: grant.id,
    };
    const audit = { actor: this.deps.actor(caller), requestId: request.id, grantId: grant.id, ticket: grant.ticket, role: role.name };
    const created = { type: 'request.created', ...audit, data: { renews: grant.id, bySeconds: ask.bySeconds, reason: request.reason, ...provenanceOf(caller) } } as const;
    if (role.approval.required > 0) {
      await assertRoomToWait(this.deps.store, caller.name, now);
      const pendingUntilMs = now + role.approval.pendingSeconds * 1000;
      await this.deps.store.commit({
        insertRequest: { ...request, state: 'pending', pendingUntilMs },
        events: [created, { type: 'request.pending', ...audit, actor: 'policy', data: { required: role.approval.required, pendingUntil: Math.floor(pendingUntilMs / 1000) } }],
      });
      throw new JitError('pending', `renewal ${request.id} of ${grant.id} waits for ${role.approval.required} approval${role.approval.required > 1 ? 's' : ''}, until ${new Date(pendingUntilMs).toISOString()}`, {
        hint: `an approver runs \`jit approve ${request.id}\``,
        requestId: request.id,
      });
    }
    await this.deps.store.commit({ insertRequest: request, events: [created, { type: 'request.approved', ...audit, actor: 'policy', data: { approvals: 0 } }] });
    return this.#apply(caller, grant, role, request);
  }

  /**
   * Whether the grant may be extended now at all, and by how much: refusals are errors saying why. The
   * ticket is looked at last, as the costliest check. SECURITY: every part of a new request's decision
   * is made again, as for issuing; only a live grant is extended.
   */
  async #decide(caller: Operator, grant: GrantRecord, bySeconds: number): Promise<RolePolicy> {
    const now = this.deps.now();
    if (grant.state !== 'active' || grant.expiresAtMs <= now) {
      throw new JitError('session_ended', `grant ${grant.id} has ended (${grant.state === 'active' ? 'expired' : grant.state}); an ended grant is not extended`, { hint: 'make a new request with `jit elevate`' });
    }
    // SECURITY: break-glass is short by design: more time is a new decision, by an approver.
    if (grant.breakGlass) throw new JitError('denied', `${grant.id} is a break-glass grant: it is not extended`, { hint: 'when it ends, make a request an approver decides (`jit elevate`)' });
    const role = this.deps.policy.roles.get(grant.role);
    if (!role) throw new JitError('denied', `role ${grant.role} is no longer in ${this.deps.policy.source}`, { hint: 'the grant ends at its TTL' });
    if (!mayRequest(role, caller)) throw new JitError('denied', `${caller.name} is no longer among the requesters of ${role.name}`, { hint: 'the grant ends at its TTL' });
    if (!Number.isInteger(bySeconds) || bySeconds < 1) throw new JitError('usage', 'an extension is a whole number of seconds, at least 1', { hint: 'e.g. `jit extend --by 15m`' });
    if (grant.expiresAtMs >= this.#maximumEnd(grant, role)) {
      throw new JitError('denied', `${grant.id} already ends at ${role.name}'s maximum of ${formatDuration(role.ttl.maxSeconds)} after issue (${new Date(grant.expiresAtMs).toISOString()})`, {
        hint: 'when it ends, make a new request with `jit elevate`: a new decision, a new credential',
      });
    }
    if (!(await this.deps.issuerFor(grant)).renew) {
      throw new JitError('denied', `a ${grant.issuerType} credential cannot be extended: its end is fixed when it is issued`, { hint: 'when this session ends, start a new one with `jit elevate`' });
    }
    const rules = ticketRules(role.ticket);
    if (rules) {
      // No degraded mode here: a renewal the ticket system cannot confirm is not made (69).
      const looked = await this.deps.tickets.lookUp(role, grant.ticket);
      const refusal = looked && ticketRefusal(grant.ticket, looked.facts, rules, grant.requester);
      if (refusal) throw new JitError('ticket_rejected', `${grant.id} cannot be extended: ${refusal}`, { hint: 'the grant ends at its TTL' });
    }
    return role;
  }

  #maximumEnd(grant: GrantRecord, role: RolePolicy): number {
    return grant.issuedAtMs + role.ttl.maxSeconds * 1000;
  }

  /**
   * Moves the end: at the target first (a credential that ends there before the broker's end is only
   * less access), then on the grant, from the end read now. SECURITY: compare-and-set on that end and on
   * `active`, so a renewal never lands on a grant ended meanwhile, and two at once cannot both add theirs.
   */
  async #apply(caller: Operator, decided: GrantRecord, role: RolePolicy, request: RequestRecord): Promise<Grant> {
    const grant = (await this.deps.store.getGrant(decided.id)) ?? decided;
    const to = Math.min(grant.expiresAtMs + request.ttlSeconds * 1000, this.#maximumEnd(grant, role));
    const issuer = await this.deps.issuerFor(grant);
    try {
      await issuer.renew!(grant, to);
    } catch (error) {
      throw new JitError('unavailable', `the target did not extend ${grant.id}: ${error instanceof Error ? error.message : String(error)}`, {
        hint: request.pendingUntilMs === null ? 'try again; the grant still ends as before' : `try again with \`jit extend --request ${request.id}\`; the grant still ends as before`,
        cause: error,
      });
    }
    const extended = await this.deps.store.commit({
      updateGrant: { id: grant.id, expect: { state: 'active', expiresAtMs: grant.expiresAtMs }, patch: { expiresAtMs: to } },
      events: [{
        type: 'grant.extended', actor: this.deps.actor(caller), requestId: request.id, grantId: grant.id, ticket: grant.ticket, role: grant.role,
        data: { from: Math.floor(grant.expiresAtMs / 1000), to: Math.floor(to / 1000), bySeconds: Math.round((to - grant.expiresAtMs) / 1000), asked: request.ttlSeconds },
      }],
    });
    if (!extended) {
      // The target's end goes back to the grant's, wherever it is now; an ended grant is revoked there anyway.
      const now = await this.deps.store.getGrant(grant.id);
      if (now?.state === 'active') await issuer.renew!(now, now.expiresAtMs).catch(() => {});
      throw new JitError('usage', `${grant.id} changed while it was being extended (ended, or extended by another call)`, { hint: '`jit status` shows where it stands' });
    }
    return this.deps.publicGrant((await this.deps.store.getGrant(grant.id))!);
  }
}
