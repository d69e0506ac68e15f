// Requests that wait for approvals: who may see and decide them, the decisions (each compare-and-set
// on the request's state, each on the record), expiry, and the one grant an approved request gives its
// requester. Issuing itself is the broker's, as for any grant.
import type { ElevationRequest, IssuedGrant, PendingRequest, SeenRequest } from '../backends/contract.js';
import { JitError, displayValue } from '../core/errors.js';
import { validateReason } from '../core/identifiers.js';
import type { Operator } from '../platform/operator.js';
import { matchesRule, mayRequest } from './policy/requesters.js';
import type { Policy, RolePolicy } from './policy/types.js';
import type { AuditDraft, RequestRecord } from './records.js';
import type { Store } from './store/store.js';
import { ticketRules } from './tickets/registry.js';
import type { TicketChecks } from './tickets/ticket-checks.js';
import { ticketRefusal } from './tickets/ticket-system.js';

/**
 * Whether two names may be one person's, however they are capitalised: used only to refuse (nobody
 * approves their own request under another spelling), never to give (ownership is the exact name).
 */
export const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Whether the caller made the request: the exact name, as grants are owned. */
const isRequester = (request: RequestRecord, caller: Operator) => request.requester === caller.name;

/** How far back `jit requests` shows requests that were decided or expired. */
const RECENT_MS = 24 * 3600 * 1000;

/** Why the policy as it is now refuses the caller this role, if it does. */
function policyRefusal(role: RolePolicy, caller: Operator, parentSession: string | undefined): string | undefined {
  if (!mayRequest(role, caller)) return `${caller.name} is no longer among the requesters of ${role.name}`;
  if (parentSession && !role.nesting) return `already inside jit session ${parentSession}, and ${role.name} does not allow nesting`;
  return undefined;
}

const alreadyUsed = (id: string) => new JitError('usage', `request ${id} was already used for a grant`, { hint: 'an approval is good for one grant: make a new request' });

/** How many requests one person may have waiting at once: enough for real work, too few to flood the approvers' lists. */
export const MAX_WAITING_PER_REQUESTER = 10;

/** Refuses a new request that would wait when its requester already has the most that may (429, 75 for the CLI). */
export async function assertRoomToWait(store: Store, requester: string, now: number): Promise<void> {
  // Those past their time count no more, whether or not anyone has looked at them since.
  const waiting = (await store.listRequests({ states: ['pending'], requester })).filter((request) => (request.pendingUntilMs ?? 0) > now);
  if (waiting.length >= MAX_WAITING_PER_REQUESTER) {
    throw new JitError('rate_limited', `${requester} has ${MAX_WAITING_PER_REQUESTER} requests waiting for approvals already`, {
      hint: 'wait for them to be decided or to expire, or ask an approver (`jit requests` lists yours)',
    });
  }
}

/** What a decided request is issued on: the broker's own issuing step. */
export interface DecidedRequest {
  role: RolePolicy;
  ticket: string;
  ttlSeconds: number;
  requestId: string;
  audit: { actor: string; requestId: string; ticket: string; role: string };
  looked: { seq: number } | undefined;
  degradedTtl: number | undefined;
  unanswered: JitError | undefined;
  /** Issued through `jit break-glass`: no approver, no ticket look-up, a review owed. */
  breakGlass?: boolean;
}

export interface ApprovalDeps {
  store: Store;
  policy: Policy;
  tickets: TicketChecks;
  now: () => number;
  actor: (caller: Operator) => string;
  observer?: { decided(outcome: 'approved' | 'denied'): void } | undefined;
  issue: (operator: Operator, input: Pick<ElevationRequest, 'owner' | 'publicKey'>, decided: DecidedRequest, decision: { insertRequest?: RequestRecord; events: AuditDraft[] }) => Promise<IssuedGrant>;
}

export class Approvals {
  constructor(private readonly deps: ApprovalDeps) {}

  #role(name: string): RolePolicy {
    const role = this.deps.policy.roles.get(name);
    if (!role) throw new JitError('denied', `role ${name} is no longer in ${this.deps.policy.source}`, { hint: 'make a new request for a role the policy has' });
    return role;
  }

  /**
   * What `jit requests` shows: requests the caller may decide (never their own) and their own; those that
   * still wait, and unless `pending`, those of the last day that waited for approvals, however they ended.
   */
  async requests(caller: Operator, filter: { pending?: boolean } = {}): Promise<PendingRequest[]> {
    const waiting = await this.deps.store.listRequests({ states: ['pending'] });
    const recent = filter.pending ? [] : await this.deps.store.listRequests({ awaitedApprovals: true, createdSinceMs: this.deps.now() - RECENT_MS });
    const byId = new Map([...recent, ...waiting].map((request) => [request.id, request]));
    const shown: PendingRequest[] = [];
    for (const stored of [...byId.values()].sort((a, b) => a.createdAtMs - b.createdAtMs)) {
      const request = await this.#expireIfDue(stored);
      const role = this.deps.policy.roles.get(request.role);
      const mine = isRequester(request, caller);
      if ((filter.pending && request.state !== 'pending') || !role || !(mine || matchesRule(role.approval.approvers, caller))) continue;
      shown.push(await this.#pendingView(request, role, caller));
    }
    return shown;
  }

  /**
   * One approver's yes. SECURITY: never the requester's own, under any spelling of their name; only an
   * approver the role names; once per approver (the store refuses a second); the ticket must still allow
   * the request; and the request is approved (compare-and-set from pending) by whichever approval
   * completes the count, exactly once however many arrive at once.
   */
  async approve(caller: Operator, id: string, reason?: string, seen?: SeenRequest): Promise<PendingRequest> {
    const { request, role } = await this.#decidable(caller, id);
    const why = validateReason(reason);
    // SECURITY: an approval is for the request its approver was shown, field by field.
    if (seen && (seen.role !== request.role || seen.ticket !== request.ticket || seen.requester !== request.requester || seen.ttlSeconds !== request.ttlSeconds || seen.reason !== request.reason)) {
      throw new JitError('denied', `request ${id} is not the request you were shown`, { hint: `look at it again with \`jit requests\`, then approve what it asks for` });
    }
    const rules = ticketRules(role.ticket);
    if (rules) {
      const looked = await this.deps.tickets.lookUp(role, request.ticket);
      const refusal = looked && ticketRefusal(request.ticket, looked.facts, rules, request.requester);
      if (refusal) throw new JitError('ticket_rejected', `request ${id} cannot be approved: ${refusal}`, { hint: 'deny it, or let it expire' });
    }
    // SECURITY: the look-up may have outlasted the request's pending time: expired then, not approved.
    if ((await this.#expireIfDue(request)).state !== 'pending') throw new JitError('usage', `request ${id} expired before it was approved`, { hint: 'the requester makes a new request' });
    const audit = { actor: this.deps.actor(caller), requestId: id, ticket: request.ticket, role: role.name };
    const given = await this.deps.store.commit({
      insertApproval: { requestId: id, approver: caller.name, atMs: this.deps.now(), reason: why ?? null },
      events: [{ type: 'request.approval', ...audit, data: { reason: why ?? null } }],
    });
    if (!given) throw new JitError('usage', `you already approved request ${id}`, { hint: `it needs ${role.approval.required} approvals from different people` });
    const approvers = (await this.deps.store.approvals(id)).map((approval) => approval.approver);
    // One person is one approval, however their name is capitalised.
    if (new Set(approvers.map((name) => name.toLowerCase())).size >= role.approval.required) {
      await this.deps.store.commit({
        updateRequest: { id, expect: { state: 'pending' }, patch: { state: 'approved' } },
        events: [{ type: 'request.approved', ...audit, data: { approvals: approvers.length, approvers: approvers.join(',') } }],
      });
    }
    return this.#pendingView((await this.deps.store.getRequest(id))!, role, caller);
  }

  /** One approver's no: the request is denied (compare-and-set from pending), and says why. */
  async deny(caller: Operator, id: string, reason: string): Promise<PendingRequest> {
    const { request, role } = await this.#decidable(caller, id);
    const why = validateReason(reason);
    if (!why) throw new JitError('usage', 'a denial says why', { hint: 'add --reason TEXT' });
    const denied = await this.deps.store.commit({
      updateRequest: { id, expect: { state: 'pending' }, patch: { state: 'denied' } },
      events: [{ type: 'request.denied', actor: this.deps.actor(caller), requestId: id, ticket: request.ticket, role: role.name, data: { reason: why } }],
    });
    if (!denied) throw new JitError('usage', `request ${id} was decided meanwhile`, { hint: '`jit requests` shows what still waits' });
    return this.#pendingView((await this.deps.store.getRequest(id))!, role, caller);
  }

  /**
   * The grant of a request its approvers approved, issued to its requester only, once: the ticket is
   * looked at one last time first, and the store allows one grant per request however many claims race.
   */
  async claim(caller: Operator, id: string, input: Pick<ElevationRequest, 'owner' | 'publicKey' | 'parentSession'>): Promise<IssuedGrant> {
    const stored = await this.deps.store.getRequest(id);
    if (!stored || !isRequester(stored, caller)) throw new JitError('usage', `there is no request ${displayValue(id)} of yours`, { hint: '`jit requests` lists yours' });
    // SECURITY: an approval to extend a grant is never a new grant.
    if (stored.renewsGrant !== null) throw new JitError('usage', `request ${id} extends grant ${stored.renewsGrant}, it gives no grant of its own`, { hint: `pick it up inside that session with \`jit extend --request ${id}\`` });
    const { request, role } = await this.#approvedUnused(stored);
    // SECURITY: picking up is issuing, a fresh decision on the policy as it is now: who may request the
    // role, its nesting rule, its longest TTL.
    const refusal = policyRefusal(role, caller, input.parentSession);
    if (refusal) throw new JitError('denied', `request ${id} can no longer be used: ${refusal}`, { hint: '`jit roles` shows what you may request now' });
    const audit = { actor: this.deps.actor(caller), requestId: id, ticket: request.ticket, role: role.name };
    const rules = ticketRules(role.ticket);
    const looked = rules ? await this.deps.tickets.lookUp(role, request.ticket) : undefined;
    const ticketRefused = looked && ticketRefusal(request.ticket, looked.facts, rules!, request.requester);
    if (ticketRefused) throw new JitError('ticket_rejected', `request ${id} can no longer be used: ${ticketRefused}`, { hint: 'make a new request with a ticket this role accepts' });
    this.deps.observer?.decided('approved');
    const decided = { role, ticket: request.ticket, ttlSeconds: Math.min(request.ttlSeconds, role.ttl.maxSeconds), requestId: id, audit, looked, degradedTtl: undefined, unanswered: undefined };
    try {
      return await this.deps.issue({ ...caller, name: request.requester }, { owner: input.owner, ...(input.publicKey === undefined ? {} : { publicKey: input.publicKey }) }, decided, { events: [] });
    } catch (error) {
      // Two pick-ups at once: the store took the other's grant (one per request) before anything was issued.
      if (!(error instanceof JitError) && (await this.#used(request))) throw alreadyUsed(id);
      throw error;
    }
  }

  /**
   * The caller's approved renewal of `grantId`, not used yet: the renewal itself (renewal.ts) decides
   * again and moves the grant's end, compare-and-set, so two pick-ups at once extend it once.
   */
  async approvedRenewal(caller: Operator, id: string, grantId: string): Promise<RequestRecord> {
    const stored = await this.deps.store.getRequest(id);
    if (!stored || !isRequester(stored, caller) || stored.renewsGrant !== grantId) {
      throw new JitError('usage', `there is no renewal ${displayValue(id)} of yours for ${grantId}`, { hint: '`jit requests` lists yours' });
    }
    return (await this.#approvedUnused(stored)).request;
  }

  /** A request its approvers approved, expired first if due, not used yet and not lapsed: else why not. */
  async #approvedUnused(stored: RequestRecord): Promise<{ request: RequestRecord; role: RolePolicy }> {
    const request = await this.#expireIfDue(stored);
    const { id } = request;
    const role = this.#role(request.role);
    if (request.state === 'pending') throw new JitError('pending', `request ${id} still waits for approvals`, { hint: 'wait, or ask an approver', requestId: id });
    if (request.state !== 'approved') throw new JitError('denied', `request ${id} was ${request.state}`, { hint: 'make a new request' });
    if (await this.#used(request)) throw alreadyUsed(id);
    // SECURITY: an approval not picked up within one more pending time lapses.
    if (this.deps.now() > (request.pendingUntilMs ?? request.createdAtMs) + role.approval.pendingSeconds * 1000) {
      throw new JitError('denied', `the approval of request ${id} lapsed unused`, { hint: 'make a new request' });
    }
    return { request, role };
  }

  /** Whether the request's one use happened: its grant issued, or for a renewal, its grant extended. */
  async #used(request: RequestRecord): Promise<boolean> {
    if (request.renewsGrant !== null) {
      return (await this.deps.store.events({ grantId: request.renewsGrant })).some((event) => event.type === 'grant.extended' && event.requestId === request.id);
    }
    return (await this.deps.store.listGrants({ requester: request.requester })).some((grant) => grant.requestId === request.id);
  }

  /** One request, to its requester or one of its role's approvers; undefined for anyone else. */
  async pendingRequest(caller: Operator, id: string): Promise<PendingRequest | undefined> {
    const stored = await this.deps.store.getRequest(id);
    const role = stored && this.deps.policy.roles.get(stored.role);
    if (!stored || !role || !(isRequester(stored, caller) || matchesRule(role.approval.approvers, caller))) return undefined;
    return this.#pendingView(await this.#expireIfDue(stored), role, caller);
  }

  /** A pending request the caller may decide: it exists, still waits, is not their own, and they are among its role's approvers. */
  async #decidable(caller: Operator, id: string): Promise<{ request: RequestRecord; role: RolePolicy }> {
    const stored = await this.deps.store.getRequest(id);
    const role = stored && this.deps.policy.roles.get(stored.role);
    // SECURITY: nobody decides their own access, whatever groups they are in, under any spelling.
    if (stored && sameName(stored.requester, caller.name)) throw new JitError('denied', `you may not decide your own request ${id}`, { hint: 'another approver of the role must' });
    // To anyone but its requester and its role's approvers, a request does not exist: the same answer as for an unknown id.
    if (!stored || !role || !matchesRule(role.approval.approvers, caller)) {
      throw new JitError('denied', `there is no request ${displayValue(id)} you may decide`, { hint: '`jit requests` lists those you may decide; `jit roles` shows who approves what' });
    }
    const request = await this.#expireIfDue(stored);
    if (request.state !== 'pending') throw new JitError('usage', `request ${id} is ${request.state}, not pending`, { hint: '`jit requests` shows what still waits' });
    return { request, role };
  }

  /** The request, expired first (compare-and-set, audited) when it waited past its time. */
  async #expireIfDue(request: RequestRecord): Promise<RequestRecord> {
    if (request.state !== 'pending' || request.pendingUntilMs === null || this.deps.now() <= request.pendingUntilMs) return request;
    await this.deps.store.commit({
      updateRequest: { id: request.id, expect: { state: 'pending' }, patch: { state: 'expired' } },
      events: [{ type: 'request.expired', actor: 'broker', requestId: request.id, ticket: request.ticket, role: request.role, data: { pendingUntil: Math.floor(request.pendingUntilMs / 1000) } }],
    });
    return (await this.deps.store.getRequest(request.id))!;
  }

  async #pendingView(request: RequestRecord, role: RolePolicy, caller: Operator): Promise<PendingRequest> {
    return {
      id: request.id, role: request.role, ticket: request.ticket, requester: request.requester, reason: request.reason, ttlSeconds: request.ttlSeconds, state: request.state,
      createdAt: Math.floor(request.createdAtMs / 1000), pendingUntil: Math.floor((request.pendingUntilMs ?? request.createdAtMs) / 1000),
      approvers: (await this.deps.store.approvals(request.id)).map((approval) => approval.approver), required: role.approval.required,
      ...(request.state === 'denied' ? { denial: await this.#denial(request) } : {}),
      used: request.state === 'approved' && (await this.#used(request)),
      ...(request.renewsGrant === null ? {} : { renews: request.renewsGrant }),
      mine: isRequester(request, caller),
    };
  }

  /** Who denied a request and why, as the audit has it. */
  async #denial(request: RequestRecord): Promise<{ by: string; reason: string }> {
    const denied = (await this.deps.store.events({ ticket: request.ticket })).find((event) => event.requestId === request.id && event.type === 'request.denied');
    const reason = denied?.data.reason;
    // The actor is user:NAME@HOST; the name alone is who denied it.
    const actor = denied?.actor.replace(/^user:/, '');
    return { by: actor === undefined ? 'unknown' : actor.slice(0, actor.lastIndexOf('@') > 0 ? actor.lastIndexOf('@') : undefined), reason: typeof reason === 'string' ? reason : '' };
  }
}
