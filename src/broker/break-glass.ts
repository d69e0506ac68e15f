// Break-glass (`jit break-glass`): a role's requesters take it without an approver and without a
// ticket look-up, when an incident cannot wait for either. Its own door, and a loud one: only roles that
// allow it, the role's short break-glass TTL, every attempt on the record, a notification (the served
// broker will not start without one configured), and a review owed afterwards, closed by a reviewer who
// is not the one who used it.
import { randomBytes } from 'node:crypto';
import type { BreakGlassRequest, BreakGlassUse, Grant, IssuedGrant } from '../backends/contract.js';
import { JitError, displayValue } from '../core/errors.js';
import { formatId } from '../core/ids.js';
import { validateIncidentId, validateReason, validateRoleName } from '../core/identifiers.js';
import { provenanceOf } from './actor.js';
import type { Operator } from '../platform/operator.js';
import { sameName, type DecidedRequest } from './approvals.js';
import { matchesRule, mayRequest } from './policy/requesters.js';
import type { Policy, RolePolicy } from './policy/types.js';
import type { AuditDraft, GrantRecord, RequestRecord } from './records.js';
import type { Store } from './store/store.js';

/** The grant's ticket when no incident is named. */
export const NO_INCIDENT = 'break-glass';
/** How far back `jit audit --break-glass` looks. */
const LISTED_DAYS = 90;

export interface BreakGlassDeps {
  store: Store;
  policy: Policy;
  now: () => number;
  actor: (caller: Operator) => string;
  publicGrant: (grant: GrantRecord) => Grant;
  issue: (operator: Operator, input: Pick<BreakGlassRequest, 'owner' | 'publicKey'>, decided: DecidedRequest, decision: { insertRequest?: RequestRecord; events: AuditDraft[] }) => Promise<IssuedGrant>;
}

export class BreakGlass {
  constructor(private readonly deps: BreakGlassDeps) {}

  async use(operator: Operator, input: BreakGlassRequest): Promise<IssuedGrant> {
    const role = this.deps.policy.roles.get(validateRoleName(input.role));
    if (!role) throw new JitError('usage', `there is no role ${displayValue(input.role)} in ${this.deps.policy.source}`, { hint: '`jit roles` lists the roles and whether they allow break-glass' });
    const reason = validateReason(input.reason)?.trim();
    if (!reason) throw new JitError('usage', 'break-glass says why', { hint: 'add --reason TEXT: your reviewers read it' });
    const ticket = input.incident === undefined ? NO_INCIDENT : validateIncidentId(input.incident);
    const denial =
      !role.breakGlass.allowed ? `${role.name} does not allow break-glass` :
      // SECURITY: the emergency door is for a person someone can ask afterwards, never a pipeline.
      operator.workload ? 'break-glass is for people; a CI job asks with jit exec, as its workload' :
      !mayRequest(role, operator) ? `${operator.name} is not among the requesters of ${role.name}` :
      input.parentSession && !role.nesting ? `already inside jit session ${input.parentSession}, and ${role.name} does not allow nesting` :
      undefined;
    const now = this.deps.now();
    const ttlSeconds = role.breakGlass.ttlSeconds;
    const request: RequestRecord = {
      id: formatId('r', randomBytes(16)), role: role.name, ticket, ticketVerified: false, requester: operator.name, reason, ttlSeconds,
      state: denial ? 'denied' : 'approved', createdAtMs: now, pendingUntilMs: null, renewsGrant: null,
    };
    const audit = { actor: this.deps.actor(operator), requestId: request.id, ticket, role: role.name };
    const created: AuditDraft = { type: 'request.created', ...audit, data: { breakGlass: true, incident: input.incident ?? null, reason, ttlSeconds, tty: operator.tty, pid: input.owner.pid, ...provenanceOf(operator) } };
    // SECURITY: a refused attempt is on the record too: who tried the emergency door, and why it stayed shut.
    if (denial) {
      await this.deps.store.commit({ insertRequest: request, events: [created, { type: 'request.denied', ...audit, actor: 'policy', data: { reason: denial } }] });
      throw new JitError('denied', `break-glass denied: ${denial}`, { hint: '`jit roles` shows which roles allow break-glass' });
    }
    const decided: DecidedRequest = { role, ticket, ttlSeconds, requestId: request.id, audit, looked: undefined, degradedTtl: undefined, unanswered: undefined, breakGlass: true };
    return this.deps.issue(operator, input, decided, {
      insertRequest: request,
      events: [created, { type: 'request.approved', ...audit, actor: 'break-glass', data: { approvals: 0, reviewers: role.breakGlass.reviewers.join(',') } }],
    });
  }

  /** What the review owed by a break-glass grant says: the event the broker writes as it is issued. */
  static reviewDue(role: RolePolicy, audit: { actor: string; requestId: string; ticket: string; role: string; grantId: string }): AuditDraft {
    return { type: 'review.due', ...audit, actor: 'break-glass', data: { reviewers: role.breakGlass.reviewers.join(',') } };
  }

  /**
   * Closes the review of one use. SECURITY: never by the one who used it (under any spelling), only by a
   * reviewer the role names, once (compare-and-set on an open review), and only once the grant has ended.
   */
  async review(caller: Operator, grantId: string, note: string | undefined): Promise<BreakGlassUse> {
    const grant = await this.deps.store.getGrant(grantId);
    const role = grant && this.deps.policy.roles.get(grant.role);
    if (grant?.breakGlass && sameName(grant.requester, caller.name)) throw new JitError('denied', `you may not review your own break-glass use ${grantId}`, { hint: 'one of its reviewers must' });
    // To anyone who is not a reviewer, a use is as absent as an unknown id.
    if (!grant?.breakGlass || !role || !matchesRule(role.breakGlass.reviewers, caller)) {
      throw new JitError('denied', `there is no break-glass use ${displayValue(grantId)} you may review`, { hint: '`jit audit --break-glass` lists them; the policy names who reviews each role' });
    }
    if (grant.state === 'issuing' || grant.state === 'active') throw new JitError('usage', `${grantId} is still in use`, { hint: 'review it once it has ended: `jit revoke` ends it now' });
    const why = validateReason(note)?.trim() || null;
    const closed = await this.deps.store.commit({
      updateGrant: { id: grant.id, expect: { reviewedBy: null }, patch: { reviewedBy: caller.name, reviewedAtMs: this.deps.now() } },
      events: [{ type: 'review.closed', actor: this.deps.actor(caller), requestId: grant.requestId, grantId: grant.id, ticket: grant.ticket, role: grant.role, data: { note: why } }],
    });
    if (!closed) throw new JitError('usage', `the review of ${grantId} was already closed`, { hint: '`jit audit --break-glass` shows by whom' });
    return this.#use((await this.deps.store.getGrant(grant.id))!);
  }

  /** The last 90 days' uses, newest first, with their review state: for the audit's readers. */
  async uses(): Promise<BreakGlassUse[]> {
    const since = this.deps.now() - LISTED_DAYS * 24 * 3600 * 1000;
    const grants = await this.deps.store.listGrants({ breakGlassSince: since });
    return Promise.all(grants.reverse().map((grant) => this.#use(grant)));
  }

  async #use(grant: GrantRecord): Promise<BreakGlassUse> {
    const request = await this.deps.store.getRequest(grant.requestId);
    return {
      grant: this.deps.publicGrant(grant),
      reason: request?.reason ?? '',
      incident: grant.ticket === NO_INCIDENT ? null : grant.ticket,
      reviewers: this.deps.policy.roles.get(grant.role)?.breakGlass.reviewers ?? [],
      review: grant.reviewedBy === null ? null : { by: grant.reviewedBy, at: Math.floor((grant.reviewedAtMs ?? 0) / 1000) },
    };
  }
}
