// The broker engine: decides, issues, records, revokes. Embedded in the CLI or served by `jit serve`.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { JitError, displayValue } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { formatId } from '../core/ids.js';
import { validateReason, validateRoleName, validateTicketId } from '../core/identifiers.js';
import { isLive, type GrantState, type RevokeReason } from '../core/states.js';
import type { BreakGlassRequest, BreakGlassUse, ElevationRequest, Grant, GrantPulse, IssuedGrant, PendingRequest, RoleSummary, SeenRequest } from '../backends/contract.js';
import { isProcessAlive } from '../platform/process-identity.js';
import type { Operator } from '../platform/operator.js';
import type { SecretStore } from '../platform/secret-store.js';
import { compareExport, type AuditExport } from './audit/export.js';
import { verifyChain, type ChainVerdict } from './audit/verify.js';
import { NothingIssued, type Issuer } from './issuers/issuer.js';
import { checkIssuedToken, type IssuedTokenClaims } from './issuers/jwt/token-check.js';
import { createIssuer, issuerConfigOf, issueWindowMs, secretEnv } from './issuers/registry.js';
import type { KeyProvider } from './key-provider.js';
import { mayRequest } from './policy/requesters.js';
import type { Policy, RolePolicy } from './policy/types.js';
import type { AuditDraft, AuditEvent, GrantRecord, RequestRecord, SessionEventType } from './records.js';
import { RevocationPool } from './revocation-pool.js';
import { Revoker } from './revoker.js';
import type { EventFilter, Store } from './store/store.js';
import { TicketChecks } from './tickets/ticket-checks.js';
import { Approvals, assertRoomToWait, type DecidedRequest } from './approvals.js';
import { Renewals, type ExtendAsk } from './renewal.js';
import { BreakGlass } from './break-glass.js';
import { actorOf, provenanceOf } from './actor.js';
import { degradedTtlSeconds, ticketRules, ticketSecretReferences, webhookSecretOf } from './tickets/registry.js';
import { envNameOf } from './issuers/secret-reference.js';
import { readWebhookSecret } from './tickets/webhook-secret.js';
import { keyRefusal, ticketRefusal, type TicketFacts } from './tickets/ticket-system.js';

export interface BrokerDeps {
  policy: Policy;
  store: Store;
  keys: KeyProvider;
  /**
   * The host the embedded broker runs on: a grant owned by a process here is orphaned when that process
   * is gone. Absent when served: every owner is remote, and alive only while its heartbeats arrive.
   */
  host?: string;
  now?: () => number;
  /** Told of decisions, ends and settled revocations as they happen (the served broker's metrics). */
  observer?: BrokerObserver;
  /** The OS keychain, where `keychain:NAME` issuer secrets are: the embedded broker's only. */
  secrets?: SecretStore;
}

export interface BrokerObserver {
  decided(outcome: 'approved' | 'denied'): void;
  /** A live grant the broker ended on its own (TTL, owner gone), at `atMs`. */
  ended(grant: GrantRecord, reason: RevokeReason, atMs: number): void;
  /** What a revocation the sweep started came to, at `atMs`. */
  revocationSettled(grant: GrantRecord, atMs: number): void;
}

/** A grant as callers see it (backends/contract.ts): what the row holds for the broker alone stays here. */
export function publicGrant(grant: GrantRecord): Grant {
  return {
    id: grant.id,
    role: grant.role,
    ticket: grant.ticket,
    requester: grant.requester,
    state: grant.state,
    issuedAt: Math.floor(grant.issuedAtMs / 1000),
    expiresAt: Math.floor(grant.expiresAtMs / 1000),
    revocation: grant.revocation,
    revokeReason: grant.revokeReason,
    owner: { host: grant.ownerHost, pid: grant.ownerPid, startTime: grant.ownerStartTime },
    ...(grant.breakGlass ? { breakGlass: true } : {}),
  };
}

/** Session events one grant may carry: a session records a handful (started, survivors, ended). */
const MAX_SESSION_EVENTS = 16;
/** Revocations one broker process makes at once, and at one outside target; more wait in line. */
const REVOCATIONS_AT_ONCE = 16;
const REVOCATIONS_AT_ONE_TARGET = 4;

export class Broker {
  readonly #deps: BrokerDeps;
  readonly #now: () => number;
  readonly #revoker: Revoker;
  readonly #queues = new Map<string, Promise<void>>();
  readonly #revocations = new RevocationPool(REVOCATIONS_AT_ONCE, REVOCATIONS_AT_ONE_TARGET);
  readonly #tickets: TicketChecks;
  readonly #approvals: Approvals;
  readonly #renewals: Renewals;
  readonly #breakGlass: BreakGlass;

  constructor(deps: BrokerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#revoker = new Revoker(deps.store, (grant) => this.#issuerFor(grant), this.#now);
    this.#tickets = new TicketChecks(deps.policy, { env: process.env, secrets: deps.secrets }, this.#revoker, deps.store, this.#now);
    this.#approvals = new Approvals({
      store: deps.store,
      policy: deps.policy,
      tickets: this.#tickets,
      now: this.#now,
      actor: (caller) => this.#actor(caller),
      observer: deps.observer,
      issue: (operator, input, decided, decision) => this.#issue(operator, input, decided, decision),
    });
    this.#renewals = new Renewals({
      store: deps.store,
      policy: deps.policy,
      tickets: this.#tickets,
      now: this.#now,
      actor: (caller) => this.#actor(caller),
      issuerFor: (grant) => this.#issuerFor(grant),
      publicGrant,
      approvedRenewal: (caller, requestId, grantId) => this.#approvals.approvedRenewal(caller, requestId, grantId),
    });
    this.#breakGlass = new BreakGlass({
      store: deps.store,
      policy: deps.policy,
      now: this.#now,
      actor: (caller) => this.#actor(caller),
      publicGrant,
      issue: (operator, input, decided, decision) => this.#issue(operator, input, decided, decision),
    });
  }

  #actor(caller: Operator): string {
    return actorOf(caller);
  }

  /** The caller's own grant; another's is as good as absent (its existence is not theirs to learn). */
  async #own(caller: Operator, id: string): Promise<GrantRecord | undefined> {
    const grant = await this.#deps.store.getGrant(id);
    return grant && grant.requester === caller.name ? grant : undefined;
  }

  #issuerFor(grant: Pick<GrantRecord, 'issuerConfig'>): Promise<Issuer> {
    return createIssuer(issuerConfigOf(grant), { keys: this.#deps.keys, store: this.#deps.store, ...(this.#deps.secrets ? { secrets: this.#deps.secrets } : {}) });
  }

  #role(name: string): RolePolicy {
    const role = this.#deps.policy.roles.get(validateRoleName(name));
    if (!role) {
      throw new JitError('usage', `there is no role ${displayValue(name)} in ${this.#deps.policy.source}`, { hint: '`jit roles` lists the roles you may request' });
    }
    return role;
  }

  roles(caller: Operator): RoleSummary[] {
    return [...this.#deps.policy.roles.values()].map((role) => ({
      name: role.name,
      description: role.description,
      ttl: { default: formatDuration(role.ttl.defaultSeconds), max: formatDuration(role.ttl.maxSeconds) },
      approvals: role.approval.required,
      approvers: role.approval.approvers,
      pendingTtl: formatDuration(role.approval.pendingSeconds),
      ticketSystem: role.ticket.system,
      ticketPattern: role.ticket.pattern,
      issuer: role.issuer.type,
      mayRequest: mayRequest(role, caller),
      breakGlass: role.breakGlass.allowed ? formatDuration(role.breakGlass.ttlSeconds) : null,
    }));
  }

  /**
   * The variables of this process the policy's issuers and ticket systems read their secrets from (an admin connection, an API token):
   * an embedded broker shares its environment with the sessions it starts, which must not inherit them.
   */
  secretEnv(): string[] {
    const roles = [...this.#deps.policy.roles.values()];
    const tickets = roles.flatMap((role) => ticketSecretReferences(role.ticket).flatMap((reference) => envNameOf(reference) ?? []));
    return [...new Set([...roles.flatMap((role) => secretEnv(role.issuer)), ...tickets])];
  }

  /**
   * The KRL an ssh role's revocations are written to, as sshd hosts fetch it from a team broker; undefined
   * when the role is not an ssh role or nothing was revoked yet. Not secret: certificate serials only.
   */
  sshKrl(roleName: string): Buffer | undefined {
    const role = this.#deps.policy.roles.get(roleName);
    if (role?.issuer.type !== 'ssh') return undefined;
    try {
      return readFileSync(role.issuer.krl);
    } catch {
      return undefined;
    }
  }

  /** The public keys services check the jwt issuer's tokens with (a JWKS, RFC 7517). */
  async tokenKeys(): Promise<{ keys: object[] }> {
    return { keys: [(await this.#deps.keys.tokenKey()).publicJwk] };
  }

  /**
   * RFC 7662 introspection of a jwt issuer's token: active only while its signature, time window and
   * grant all hold. A service that asks sees a revocation at once, not at `exp`.
   */
  async introspect(token: string): Promise<{ active: false } | ({ active: true; token_type: 'Bearer'; username: string } & IssuedTokenClaims)> {
    const now = this.#now();
    const claims = checkIssuedToken(token, (await this.#deps.keys.tokenKey()).publicJwk, Math.floor(now / 1000));
    if (!claims) return { active: false };
    // SECURITY: the deny list and the grant both: a grant ended but whose revocation is still pending counts as ended.
    const grant = await this.#deps.store.getGrant(claims.jti);
    if (!grant || grant.state !== 'active' || grant.expiresAtMs <= now || (await this.#deps.store.isTokenRevoked(claims.jti))) return { active: false };
    return { active: true, token_type: 'Bearer', username: claims.sub, ...claims };
  }

  /** Why nothing may be issued now (the audit cannot be signed or was extended without the key), if so. */
  auditProblem(): Promise<JitError | undefined> {
    return this.#deps.store.auditProblem();
  }

  /** Decides and, when allowed, issues. Every step is audited before the next one happens. */
  async request(operator: Operator, input: ElevationRequest): Promise<IssuedGrant> {
    // SECURITY: fail closed: without a sound, signable audit nothing is issued, since nothing could be proven.
    const auditProblem = await this.auditProblem();
    if (auditProblem) throw auditProblem;
    const role = this.#role(input.role);
    const ticket = validateTicketId(input.ticket, role.ticket.pattern);
    const reason = validateReason(input.reason);
    const ttlSeconds = input.ttlSeconds ?? role.ttl.defaultSeconds;
    const denial =
      !mayRequest(role, operator) ? `${operator.name} is not among the requesters of ${role.name}` :
      ttlSeconds > role.ttl.maxSeconds ? `${role.name} allows at most ${formatDuration(role.ttl.maxSeconds)}, not ${formatDuration(ttlSeconds)}` :
      input.parentSession && !role.nesting ? `already inside jit session ${input.parentSession}, and ${role.name} does not allow nesting` :
      undefined;
    // The ticket is looked up only for a request the policy allows: the last look before issuing, as
    // the request is decided and issued in this one call.
    const rules = ticketRules(role.ticket);
    const outsideProjects = rules && keyRefusal(ticket, rules);
    let looked: { facts: TicketFacts | undefined; seq: number } | undefined;
    let unanswered: JitError | undefined;
    try {
      looked = denial || outsideProjects ? undefined : await this.#tickets.lookUp(role, ticket);
    } catch (error) {
      // An answer that broke its client (cut off, not the shape documented) is no answer: on the record, 69.
      unanswered = error instanceof JitError ? error : new JitError('unavailable', `${role.ticket.system} gave an answer about ${ticket} jit could not read (${error instanceof Error ? error.name : 'error'})`, { hint: 'try again; if it persists, check the address in the policy' });
    }
    const ticketVerified = looked?.facts !== undefined;
    // Degraded: the system could not answer and the role allows that, for a shorter time and marked unverified.
    const degradedTtl = unanswered?.code === 'unavailable' && !denial ? degradedTtlSeconds(role.ticket) : undefined;
    const grantedSeconds = degradedTtl === undefined ? ttlSeconds : Math.min(ttlSeconds, degradedTtl);
    const requestId = formatId('r', randomBytes(16));
    const now = this.#now();
    const request = { id: requestId, role: role.name, ticket, ticketVerified, requester: operator.name, reason: reason ?? null, ttlSeconds, createdAtMs: now, pendingUntilMs: null, renewsGrant: null };
    const audit = { actor: this.#actor(operator), requestId, ticket, role: role.name };
    const ticketData = looked || unanswered ? { ticketSystem: role.ticket.system, ticketState: looked ? (looked.facts?.stateName ?? 'not found') : 'no answer' } : {};
    const degradedData = degradedTtl === undefined ? {} : { degraded: true, ticketError: unanswered!.message.slice(0, 300) };
    const created = { type: 'request.created', ...audit, data: { ttlSeconds, reason: reason ?? null, ticketVerified, ...ticketData, ...degradedData, tty: operator.tty, pid: input.owner.pid, ...provenanceOf(operator) } } as const;
    if (denial) {
      this.#deps.observer?.decided('denied');
      await this.#deps.store.commit({
        insertRequest: { ...request, state: 'denied' },
        events: [created, { type: 'request.denied', ...audit, actor: 'policy', data: { reason: denial } }],
      });
      throw new JitError('denied', `request denied: ${denial}`, { hint: '`jit roles` shows what you may request and for how long' });
    }
    if (unanswered && degradedTtl === undefined) {
      // The ticket system's silence is part of the record too: who asked, and why nothing was decided.
      this.#deps.observer?.decided('denied');
      await this.#deps.store.commit({
        insertRequest: { ...request, state: 'denied' },
        events: [created, { type: 'request.denied', ...audit, actor: `ticket:${role.ticket.system}`, data: { reason: unanswered.message.slice(0, 300) } }],
      });
      throw unanswered;
    }
    const refusal = outsideProjects ?? (looked && ticketRefusal(ticket, looked.facts, rules!, operator.name));
    if (refusal) {
      this.#deps.observer?.decided('denied');
      await this.#deps.store.commit({
        insertRequest: { ...request, state: 'denied' },
        events: [created, { type: 'request.denied', ...audit, actor: `ticket:${role.ticket.system}`, data: { reason: refusal } }],
      });
      throw new JitError('ticket_rejected', `request denied: ${refusal}`, { hint: 'ask with a ticket this role accepts (`jit roles` shows its system), or move the ticket on first' });
    }

    if (role.approval.required > 0) {
      // Decided by people: the request waits for its approvers, and its requester picks the grant up once they said yes.
      await assertRoomToWait(this.#deps.store, operator.name, now);
      const pendingUntilMs = now + role.approval.pendingSeconds * 1000;
      await this.#deps.store.commit({
        insertRequest: { ...request, state: 'pending', pendingUntilMs },
        events: [created, { type: 'request.pending', ...audit, actor: 'policy', data: { required: role.approval.required, pendingUntil: Math.floor(pendingUntilMs / 1000) } }],
      });
      throw new JitError('pending', `request ${requestId} for ${role.name} waits for ${role.approval.required} approval${role.approval.required > 1 ? 's' : ''}, until ${new Date(pendingUntilMs).toISOString()}`, {
        hint: `an approver runs \`jit approve ${requestId}\``,
        requestId,
      });
    }
    this.#deps.observer?.decided('approved');
    const decided = { role, ticket, ttlSeconds: grantedSeconds, requestId, audit, looked, degradedTtl, unanswered };
    // SECURITY: the decision and the intent to issue are on the chain before any credential exists.
    return this.#issue(operator, input, decided, {
      insertRequest: { ...request, state: 'approved' },
      events: [created, { type: 'request.approved', ...audit, actor: 'policy', data: { approvals: 0 } }],
    });
  }

  /**
   * Issues a grant on a request decided (now, or by its approvers): the intent to issue on the chain
   * with the decision, the issuer asked, the grant made active only if still issuing, and the ticket
   * looked at again if its system said it changed meanwhile. What the credential comes with goes back.
   */
  async #issue(
    operator: Operator,
    input: Pick<ElevationRequest, 'owner' | 'publicKey'>,
    decided: DecidedRequest,
    decision: { insertRequest?: RequestRecord; events: AuditDraft[] },
  ): Promise<IssuedGrant> {
    const { role, ticket, ttlSeconds: grantedSeconds, requestId, audit, looked, degradedTtl, unanswered } = decided;
    const now = this.#now();
    const grant: GrantRecord = {
      id: formatId('g', randomBytes(16)), requestId, role: role.name, ticket, requester: operator.name,
      issuerType: role.issuer.type, issuerConfig: JSON.stringify(role.issuer), state: 'issuing',
      issuedAtMs: now, expiresAtMs: now + grantedSeconds * 1000, ownerHost: operator.host, ownerPid: input.owner.pid,
      ownerStartTime: input.owner.startTime, lastHeartbeatAtMs: now, handle: null, revokeReason: null, revocation: null,
      revocationAttempts: 0, nextAttemptAtMs: null, revocationLeaseUntilMs: null, verifyNotBeforeMs: null, endedAtMs: null,
      breakGlass: decided.breakGlass === true, reviewedBy: null, reviewedAtMs: null,
    };
    const grantAudit = { ...audit, grantId: grant.id };
    const issuing: AuditDraft = { type: 'grant.issuing', ...grantAudit, data: { issuer: role.issuer.type, expiresAt: Math.floor(grant.expiresAtMs / 1000) } };
    const events: [AuditDraft, ...AuditDraft[]] = [issuing];
    events.unshift(...decision.events);
    await this.#deps.store.commit({ ...(decision.insertRequest ? { insertRequest: decision.insertRequest } : {}), insertGrant: grant, events });

    let issued;
    try {
      issued = await (await this.#issuerFor(grant)).issue(grant, input.publicKey === undefined ? {} : { publicKey: input.publicKey });
    } catch (error) {
      // Nothing reached the target: ended with nothing to revoke. Otherwise revoked there like any other.
      if (error instanceof NothingIssued && (await this.#revoker.closeUnissued(grant, error.message))) throw error;
      if (await this.#revoker.close(grant, 'issue_failed', 'broker')) await this.#revoker.settle(grant.id);
      // SECURITY: ended by someone else meanwhile, perhaps verified before this failed issue reached the
      // target (a CREATE ROLE whose answer was lost): revoked again now, as a late credential is.
      else await this.#revoker.discardLate(grant, null);
      throw error;
    }
    let activated;
    try {
      // SECURITY: active only if still issuing: a grant revoked meanwhile must not come back to life.
      activated = await this.#deps.store.commit({
        // The owner's heartbeats are due from now on: the time spent issuing is not held against it.
        updateGrant: { id: grant.id, expect: { state: 'issuing' }, patch: { state: 'active', handle: issued.handle, lastHeartbeatAtMs: this.#now() } },
        // A break-glass grant owes its review from the moment it exists: on the record with its issue.
        events: [
          { type: 'grant.issued', ...grantAudit, data: { expiresAt: Math.floor(grant.expiresAtMs / 1000), ttlSeconds: grantedSeconds } },
          ...(grant.breakGlass ? [BreakGlass.reviewDue(role, grantAudit)] : []),
        ],
      });
    } catch (error) {
      // SECURITY: a credential whose issuance cannot be audited must not survive.
      await (await this.#issuerFor(grant)).revoke({ ...grant, handle: issued.handle }).catch(() => {});
      await this.#revoker.end(grant, 'audit_failed', 'broker').catch(() => {});
      throw new JitError('unavailable', 'the audit event for this grant could not be written, so the credential was revoked', {
        hint: 'check the disk and the state dir, then try again',
        cause: error,
      });
    }
    if (!activated) {
      await this.#revoker.discardLate(grant, issued.handle);
      throw new JitError('session_ended', `grant ${grant.id} was revoked while it was being issued; the credential that came afterwards was revoked at once and nothing ran`, {
        hint: `\`jit audit --grant ${grant.id}\` shows who revoked it`,
      });
    }
    const active: GrantRecord = { ...grant, state: 'active', handle: issued.handle };
    if (this.#now() >= grant.expiresAtMs) {
      // SECURITY: an issuer slower than the TTL hands out nothing: the grant ends as it becomes active.
      await this.#revoker.end(active, 'expired', 'broker');
      throw new JitError('session_ended', `the grant for ${role.name} reached its TTL before its credential arrived; the credential was revoked at once and nothing ran`, {
        hint: 'ask for a longer --ttl, or check why the issuer is slow',
      });
    }
    const changedSince = looked || degradedTtl !== undefined ? this.#tickets.issued(active, looked) : undefined;
    if (changedSince !== undefined) {
      // SECURITY: the system said the ticket changed after the look this grant was issued on began: looked
      // at again before the credential is handed over, and handed over only if the ticket still allows it.
      if (!(await this.#tickets.recheck(active, { via: 'webhook', after: changedSince }))) {
        // SECURITY: not asked again is not confirmed: the credential is not handed over (asked again later, a degraded-mode role may grant it unverified).
        await this.#revoker.end(active, 'ticket_unverifiable', `ticket:${role.ticket.system}`, { why: 'changed as it was issued, and could not be asked again' });
        throw new JitError('unavailable', `ticket ${ticket} changed as ${role.name} was being issued, and ${role.ticket.system} could not be asked again; the credential was revoked at once and nothing ran`, { hint: 'try again' });
      }
      const current = await this.#deps.store.getGrant(active.id);
      if (current?.state !== 'active') {
        throw new JitError('ticket_rejected', `ticket ${ticket} changed as ${role.name} was being issued, and no longer allows it; the credential was revoked at once and nothing ran`, { hint: `\`jit audit --grant ${active.id}\` shows why` });
      }
    }
    const notice = grant.breakGlass ? `BREAK-GLASS on ${role.name}: no approver; your team is told now, and ${role.breakGlass.reviewers.join(', ')} will review this use (\`jit review ${grant.id}\`) once it ends` : degradedTtl === undefined ? undefined : `${role.ticket.system} could not be asked about ${ticket} (${unanswered!.message}); ${role.name} allows that: granted unverified for ${formatDuration(grantedSeconds)}, and looked at again as soon as it answers`;
    return { grant: publicGrant(active), credential: issued.env, heartbeatSeconds: role.heartbeat.intervalSeconds, ...(notice ? { notice } : {}), ...(issued.clientStep ? { clientStep: issued.clientStep } : {}) };
  }

  /** Requests the caller may decide (not their own), and their own: what `jit requests` shows. */
  requests(caller: Operator, filter: { pending?: boolean } = {}): Promise<PendingRequest[]> {
    return this.#approvals.requests(caller, filter);
  }

  /** One request, to its requester or one of its role's approvers; undefined for anyone else. */
  pendingRequest(caller: Operator, id: string): Promise<PendingRequest | undefined> {
    return this.#approvals.pendingRequest(caller, id);
  }

  /** One approver's yes (see approvals.ts). */
  approve(caller: Operator, id: string, reason?: string, seen?: SeenRequest): Promise<PendingRequest> {
    return this.#approvals.approve(caller, id, reason, seen);
  }

  /** One approver's no, with why. */
  deny(caller: Operator, id: string, reason: string): Promise<PendingRequest> {
    return this.#approvals.deny(caller, id, reason);
  }

  /** The grant of an approved request, to its requester, once. */
  claim(caller: Operator, id: string, input: Pick<ElevationRequest, 'owner' | 'publicKey' | 'parentSession'>): Promise<IssuedGrant> {
    return this.#approvals.claim(caller, id, input);
  }

  /** Emergency access without an approver (see break-glass.ts). Fails closed on an unsound audit, as every issue does. */
  async breakGlass(operator: Operator, input: BreakGlassRequest): Promise<IssuedGrant> {
    const auditProblem = await this.auditProblem();
    if (auditProblem) throw auditProblem;
    return this.#breakGlass.use(operator, input);
  }

  /** Closes the review of a break-glass use (not by the one who used it). */
  reviewBreakGlass(caller: Operator, grantId: string, note?: string): Promise<BreakGlassUse> {
    return this.#breakGlass.review(caller, grantId, note);
  }

  /** The last 90 days' break-glass uses and their reviews. */
  breakGlassUses(): Promise<BreakGlassUse[]> {
    return this.#breakGlass.uses();
  }

  /** Moves a live grant's end later, as a fresh decision (see renewal.ts). */
  extend(caller: Operator, id: string, ask: ExtendAsk): Promise<Grant> {
    return this.#renewals.extend(caller, id, ask);
  }

  async grant(caller: Operator, id: string): Promise<Grant | undefined> {
    const grant = await this.#own(caller, id);
    if (!grant) return undefined;
    // A grant its ticket ended says why, in the system's words, to the one whose session it ended.
    const byTicket = grant.revokeReason === 'ticket_closed' || grant.revokeReason === 'ticket_unverifiable';
    const revoked = byTicket ? (await this.#deps.store.events({ grantId: grant.id })).find((event) => event.type === 'grant.revoked') : undefined;
    const why = revoked?.data.why;
    return { ...publicGrant(grant), ...(typeof why === 'string' ? { revokeDetail: why } : {}) };
  }

  async grants(caller: Operator, filter: { live?: boolean } = {}): Promise<Grant[]> {
    const rows = await this.#deps.store.listGrants({
      ...(filter.live ? { states: ['issuing', 'active'] as GrantState[] } : {}),
      requester: caller.name,
    });
    return rows.map(publicGrant);
  }

  /** Records that the supervisor is alive and returns the grant's state and end (which a renewal moves). */
  async heartbeat(caller: Operator, id: string): Promise<GrantPulse | undefined> {
    const grant = await this.#own(caller, id);
    if (!grant) return undefined;
    await this.#deps.store.touchGrant(id, this.#now());
    // SECURITY: a role taken out of the policy grants nothing any more, live grants included.
    if (grant.state === 'active' && !this.#deps.policy.roles.has(grant.role)) {
      await this.#revoker.end(grant, 'role_removed', 'policy', { why: `role ${grant.role} is no longer in ${this.#deps.policy.source}` });
    } else {
      await this.#tickets.recheck(grant);
    }
    const now = await this.#deps.store.getGrant(id);
    return now && { state: now.state, expiresAt: Math.floor(now.expiresAtMs / 1000) };
  }

  /**
   * The secrets a ticket system's webhooks may be signed with, one per distinct setting among the roles
   * it checks, and why any could not be read; undefined when no role takes its webhooks. Read at each
   * delivery, so that a rotated secret (a file rewritten) counts at once, and one unreadable secret
   * does not stop the other roles' webhooks.
   */
  async webhookSecrets(system: string): Promise<{ secrets: string[]; problems: string[] } | undefined> {
    const roles = [...this.#deps.policy.roles.values()].filter((role) => role.ticket.system === system);
    const references = [...new Set(roles.flatMap((role) => webhookSecretOf(role.ticket) ?? []))];
    if (references.length === 0) return undefined;
    const sources = { env: process.env, ...(this.#deps.secrets ? { secrets: this.#deps.secrets } : {}) };
    const read = await Promise.allSettled(references.map((reference) => readWebhookSecret(reference, sources)));
    return {
      secrets: read.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
      problems: read.flatMap((result) => (result.status === 'rejected' ? [String((result.reason as Error).message)] : [])),
    };
  }

  /**
   * A ticket system said these tickets changed (an authentic webhook): the live grants they allow are
   * looked at now, in the system itself. SECURITY: what the webhook says of the ticket is never believed;
   * it only brings the look forward. Returns how many grants were looked at.
   */
  async ticketsChanged(system: string, tickets: string[]): Promise<number> {
    const changed = new Set(tickets);
    // Marked first: a grant still being issued on an older look is looked at again as it becomes active.
    const after = this.#tickets.changed(system, tickets);
    const grants = (await this.#deps.store.listGrants({ states: ['active'] })).filter(
      (grant) => !grant.breakGlass && changed.has(grant.ticket) && this.#deps.policy.roles.get(grant.role)?.ticket.system === system,
    );
    const answered = await Promise.all(grants.map((grant) => this.#tickets.recheck(grant, { via: 'webhook', after })));
    if (answered.includes(false)) {
      throw new JitError('unavailable', `${system} could not be asked about ${[...changed].join(', ')}; its grants are looked at again every few seconds`, { hint: 'the system will deliver this again' });
    }
    return grants.length;
  }

  async recordSession(caller: Operator, id: string, type: SessionEventType, data: Record<string, string | number | null>): Promise<void> {
    const grant = await this.#own(caller, id);
    if (!grant) throw new JitError('usage', `there is no grant ${displayValue(id)}`, { hint: '`jit status` lists your grants' });
    // SECURITY: a holder may add to its grant's audit, but only so much: the chain is no place to flood.
    // One at a time per grant, so that calls at once cannot all count the same number below the cap.
    return this.#oneAtATime(grant.id, async () => {
      const recorded = (await this.#deps.store.events({ grantId: grant.id })).filter((event) => event.type.startsWith('session.')).length;
      if (recorded >= MAX_SESSION_EVENTS) {
        throw new JitError('usage', `grant ${grant.id} already has ${MAX_SESSION_EVENTS} session events`, { hint: 'a session records when it starts and ends and what survived it; nothing more is kept' });
      }
      await this.#deps.store.commit({ events: [{ type, actor: this.#actor(caller), grantId: grant.id, requestId: grant.requestId, ticket: grant.ticket, role: grant.role, data }] });
    });
  }

  /** Runs `work` after every earlier work for the same key has finished, however that ended. */
  #oneAtATime(key: string, work: () => Promise<void>): Promise<void> {
    const run = (this.#queues.get(key) ?? Promise.resolve()).then(work);
    const done = run.catch(() => {});
    this.#queues.set(key, done);
    void done.then(() => {
      if (this.#queues.get(key) === done) this.#queues.delete(key);
    });
    return run;
  }

  /**
   * Ends a grant and sees its revocation through. One that has already ended is returned as it is,
   * unless its revocation is still due: then this caller makes the attempts (the one that ended it
   * may have been cut short, as a `jit revoke` run inside the session it ends is).
   */
  async revoke(caller: Operator, id: string, reason: RevokeReason): Promise<Grant> {
    const grant = await this.#own(caller, id);
    if (!grant) throw new JitError('usage', `there is no grant ${displayValue(id)}`, { hint: '`jit status` lists your grants' });
    if (!isLive(grant.state)) return publicGrant(grant.revocation === 'pending' || grant.revocation === 'failed' ? await this.#revoker.settle(grant.id) : grant);
    return publicGrant((await this.#revoker.end(grant, reason, reason === 'expired' ? 'broker' : this.#actor(caller))).grant);
  }

  /**
   * The broker's own enforcement, run before each command: ends grants past their TTL and grants
   * whose supervising jit is gone, and retries revocations that are due. Returns what this call changed.
   */
  async sweep(): Promise<Grant[]> {
    return (await this.enforce()).settled;
  }

  /**
   * The sweep in two steps: first every grant that is due ends, one commit each and no target
   * contacted, so that a slow target delays no other grant's end; then the revocations that are due
   * start, several at once. `ended` is what this call ended; `settled`, what its revocations came to.
   */
  async enforce(): Promise<{ ended: Grant[]; settled: Promise<Grant[]> }> {
    const now = this.#now();
    const ended = new Set<string>();
    // Served, every owner is judged by time alone: only grants past their end or silent for the shortest
    // heartbeat timeout can be due. Embedded, an owner's process may be gone at any age.
    const shortestTimeoutMs = Math.min(90, ...[...this.#deps.policy.roles.values()].map((role) => role.heartbeat.timeoutSeconds)) * 1000;
    const candidates = this.#deps.host === undefined ? { endDueBy: { expiresBy: now, silentSince: now - shortestTimeoutMs } } : {};
    for (const grant of await this.#deps.store.listGrants({ states: ['issuing', 'active'], ...candidates })) {
      const reason = this.#sweepReason(grant, now);
      if (!reason) continue;
      // The audit says why an owner counts as gone: its process, or its heartbeats (a dead man's switch).
      const detail = reason === 'orphaned' && grant.ownerHost !== this.#deps.host ? { lastHeartbeatAt: Math.floor(grant.lastHeartbeatAtMs / 1000) } : {};
      if (await this.#revoker.close(grant, reason, 'broker', detail)) {
        ended.add(grant.id);
        this.#deps.observer?.ended(grant, reason, this.#now());
      }
    }
    // Read before any revocation starts: nothing after that may throw and leave `settled` unheard.
    const endedGrants = await Promise.all([...ended].map(async (id) => publicGrant((await this.#deps.store.getGrant(id))!)));
    const due = await this.#revoker.due();
    // What this call ended gets a few attempts at once; an older revocation, its one retry.
    const started = this.#revocations.start(due, async (grant) => {
      const settled = ended.has(grant.id) ? await this.#revoker.settle(grant.id) : await this.#revoker.attempt(grant);
      if (settled) this.#deps.observer?.revocationSettled(settled, this.#now());
      return settled;
    });
    const settled = Promise.allSettled(started).then((outcomes) => {
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failure) throw failure.reason;
      return outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value ? [publicGrant(outcome.value)] : []));
    });
    return { ended: endedGrants, settled };
  }

  #sweepReason(grant: GrantRecord, now: number): RevokeReason | undefined {
    if (grant.state === 'active' && grant.expiresAtMs <= now) return 'expired';
    if (grant.ownerHost === this.#deps.host) return isProcessAlive({ pid: grant.ownerPid, startTime: grant.ownerStartTime }) ? undefined : 'orphaned';
    // A remote owner's heartbeats start once its grant is active; while the issuer is at work (here or in
    // a broker that died meanwhile) the owner is given the issuer's whole window besides.
    const timeoutMs = (this.#deps.policy.roles.get(grant.role)?.heartbeat.timeoutSeconds ?? 90) * 1000;
    const issuingMs = grant.state === 'issuing' ? issueWindowMs(issuerConfigOf(grant)) : 0;
    return now - grant.lastHeartbeatAtMs > timeoutMs + issuingMs ? 'orphaned' : undefined;
  }

  /** How many grants are issuing and active now. */
  async live(): Promise<{ issuing: number; active: number }> {
    const grants = await this.#deps.store.listGrants({ states: ['issuing', 'active'] });
    return { issuing: grants.filter((g) => g.state === 'issuing').length, active: grants.filter((g) => g.state === 'active').length };
  }

  /** Grants past their end without a verified revocation: the list that should always be empty. */
  async standing(): Promise<Grant[]> {
    const now = this.#now();
    return (await this.#deps.store.listGrants()).filter((g) => (isLive(g.state) ? g.expiresAtMs <= now : g.revocation !== 'verified')).map(publicGrant);
  }

  async events(filter: EventFilter = {}): Promise<AuditEvent[]> {
    return this.#deps.store.events(filter);
  }

  /** Proves the chain; with an earlier export, also that the chain still holds it unchanged. */
  async verifyAudit(exported?: AuditExport): Promise<ChainVerdict> {
    const snapshot = await this.#deps.store.auditSnapshot();
    const verdict = verifyChain(snapshot);
    if (!verdict.ok || !exported) return verdict;
    const compared = compareExport(exported, snapshot.events, snapshot.verifier?.publicJwk ?? null);
    return compared.ok ? verdict : { ok: false, seq: compared.seq, problem: compared.problem, events: verdict.events, checkpoints: verdict.checkpoints };
  }

  /** Events after `afterSeq` with their checkpoints, and the key that verifies them (`jit audit export`). */
  async exportAudit(afterSeq = 0): Promise<AuditExport> {
    const snapshot = await this.#deps.store.auditSnapshot();
    return {
      key: snapshot.verifier?.publicJwk ?? null,
      events: snapshot.events.filter((event) => event.seq > afterSeq),
      checkpoints: snapshot.checkpoints.filter((checkpoint) => checkpoint.seq > afterSeq),
    };
  }

  /** One page of the chain for a client that proves it itself (GET /v1/audit): read from indexes, never the whole chain. */
  async auditPage(afterSeq: number, limit: number): Promise<AuditExport & { head: { seq: number; hash: string } | null }> {
    const page = await this.#deps.store.auditPage(afterSeq, limit);
    return { key: page.verifier?.publicJwk ?? null, events: page.events, checkpoints: page.checkpoints, head: page.head };
  }

}
