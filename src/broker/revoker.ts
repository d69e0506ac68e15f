// Ends grants and takes their credentials back at the target, until the target confirms it.
// SECURITY: every step is compare-and-set: a grant is ended by one process only, an attempt is made by
// the one process holding its lease, and an outcome is recorded only if nothing changed meanwhile.
import type { RevokeReason } from '../core/states.js';
import type { Issuer } from './issuers/issuer.js';
import { issuerConfigOf, issueWindowMs, revocationDeadlineMs } from './issuers/registry.js';
import type { GrantRecord } from './records.js';
import type { Store } from './store/store.js';

/** Attempts before a revocation is declared irrevocable (spread over about 21 minutes by the backoff). */
export const MAX_REVOCATION_ATTEMPTS = 8;
/** Attempts made at once when a grant ends, before the rest is left to later runs. */
const IMMEDIATE_ATTEMPTS = 3;
/**
 * How long past an attempt's own deadline its lease lasts: long enough to record the outcome, short
 * enough that a broker killed during an attempt leaves the grant to another within minutes.
 */
const LEASE_MARGIN_MS = 30_000;
/** Beyond an issuer's timeout, before a grant ended during issuance counts as settled. */
const SETTLE_MARGIN_MS = 1000;

export function backoffMs(attempts: number): number {
  return Math.min(5000 * 2 ** (attempts - 1), 10 * 60 * 1000);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unsettled = (grant: GrantRecord) => grant.revocation === 'pending' || grant.revocation === 'failed';

export class Revoker {
  constructor(
    private readonly store: Store,
    private readonly issuerFor: (grant: GrantRecord) => Promise<Issuer>,
    private readonly now: () => number,
  ) {}

  /**
   * Ends a live grant (revoked, or expired when its TTL ran out) and revokes it at the target.
   * `ended` is false when another process ended it first; its revocation is still seen through.
   */
  async end(grant: GrantRecord, reason: RevokeReason, actor: string, detail: Record<string, number | string> = {}): Promise<{ grant: GrantRecord; ended: boolean }> {
    const ended = await this.close(grant, reason, actor, detail);
    return { grant: await this.settle(grant.id), ended };
  }

  /**
   * Ends a live grant without going to its target: one commit, which leaves its revocation pending for
   * `settle` or a later sweep. False when another process ended it first.
   */
  async close(grant: GrantRecord, reason: RevokeReason, actor: string, detail: Record<string, number | string> = {}): Promise<boolean> {
    const state = reason === 'expired' ? 'expired' : 'revoked';
    const endedAt = this.now();
    // SECURITY: a grant whose jit died while its issuer was at work may yet get a credential at the
    // target, until the issuer's timeout, with nobody left to revoke it: its revocation is verified only
    // after that. (A living owner revokes a late credential itself: Revoker.discardLate.)
    // An issuer that failed (a timeout above all) may have left helpers behind that still deliver: its
    // revocation is verified once more a whole issuer window later.
    const window = grant.state === 'issuing' && (reason === 'orphaned' || reason === 'issue_failed') ? issueWindowMs(issuerConfigOf(grant)) : 0;
    const verifyNotBeforeMs = window === 0 ? null : reason === 'issue_failed' ? endedAt + window + SETTLE_MARGIN_MS : grant.issuedAtMs + window + SETTLE_MARGIN_MS;
    const written = await this.store.commit({
      updateGrant: {
        id: grant.id,
        // Only an active grant runs out; one still issuing can only be revoked.
        expect: { state: state === 'expired' ? 'active' : ['issuing', 'active'] },
        patch: { state, revokeReason: reason, revocation: 'pending', endedAtMs: endedAt, nextAttemptAtMs: endedAt, revocationLeaseUntilMs: null, verifyNotBeforeMs },
      },
      events: [{ type: state === 'expired' ? 'grant.expired' : 'grant.revoked', actor, grantId: grant.id, ticket: grant.ticket, role: grant.role, data: { reason, ...detail } }],
    });
    return written !== undefined;
  }

  /**
   * Ends a grant whose issuer failed before anything reached the target (NothingIssued): there is
   * nothing to take back, so its revocation is verified as it ends, and the audit says why.
   */
  async closeUnissued(grant: GrantRecord, why: string): Promise<boolean> {
    const endedAt = this.now();
    const audit = { grantId: grant.id, ticket: grant.ticket, role: grant.role };
    const written = await this.store.commit({
      updateGrant: {
        id: grant.id,
        expect: { state: 'issuing' },
        patch: { state: 'revoked', revokeReason: 'issue_failed', revocation: 'verified', endedAtMs: endedAt, nextAttemptAtMs: null, revocationLeaseUntilMs: null, verifyNotBeforeMs: null },
      },
      events: [
        { type: 'grant.revoked', actor: 'broker', ...audit, data: { reason: 'issue_failed' } },
        { type: 'revocation.verified', actor: 'revoker', ...audit, data: { attempts: 0, nothingIssued: why.slice(0, 300) } },
      ],
    });
    return written !== undefined;
  }

  /**
   * A credential that arrived after its grant had ended (revoked while it was being issued): recorded,
   * then revoked at the target with the handle it came with, like any other.
   */
  async discardLate(grant: GrantRecord, handle: string | null): Promise<GrantRecord> {
    await this.store.commit({
      // The issuer has answered: nothing more can arrive, so no wait before the revocation is final.
      updateGrant: { id: grant.id, expect: { state: ['revoked', 'expired'] }, patch: { handle, revocation: 'pending', nextAttemptAtMs: this.now(), revocationLeaseUntilMs: null, verifyNotBeforeMs: null } },
      events: [{ type: 'grant.issue_discarded', actor: 'broker', grantId: grant.id, ticket: grant.ticket, role: grant.role, data: { reason: 'the grant ended while it was being issued' } }],
    });
    return this.settle(grant.id);
  }

  /** A few attempts now, while someone waits; what is left is retried with backoff by later sweeps. */
  async settle(id: string): Promise<GrantRecord> {
    let current = (await this.store.getGrant(id))!;
    // A deferred revocation is not due again until its issuer's window has passed.
    const deferred = (grant: GrantRecord) => grant.revocation === 'pending' && (grant.nextAttemptAtMs ?? 0) > this.now();
    for (let round = 1; round <= IMMEDIATE_ATTEMPTS && unsettled(current) && !deferred(current); round++) {
      if (round > 1) await sleep(250 * round);
      // Undefined when another process holds this attempt: then we wait and look again.
      current = (await this.attempt(current)) ?? (await this.store.getGrant(id))!;
    }
    return current;
  }

  /** One try at revoking and verifying, if this process gets the lease; records the outcome as an audit event. */
  async attempt(grant: GrantRecord): Promise<GrantRecord | undefined> {
    const now = this.now();
    const before = { revocationAttempts: grant.revocationAttempts, handle: grant.handle };
    const deadlineMs = revocationDeadlineMs(issuerConfigOf(grant));
    if (!(await this.store.claimRevocation(grant.id, before, now, now + deadlineMs + LEASE_MARGIN_MS))) return undefined;
    const attempts = grant.revocationAttempts + 1;
    const audit = { grantId: grant.id, ticket: grant.ticket, role: grant.role, actor: 'revoker' };
    let failure: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const issuer = await this.issuerFor(grant);
      const revokeAndVerify = async () => {
        await issuer.revoke(grant);
        return issuer.verifyRevoked(grant);
      };
      // SECURITY: an attempt that never ends would hold the grant's lease while nothing is retried.
      const outOfTime = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the target did not answer within ${deadlineMs / 1000}s`)), deadlineMs);
      });
      if (!(await Promise.race([revokeAndVerify(), outOfTime]))) failure = 'the target still accepts the credential';
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
    }
    const giveUp = failure !== undefined && attempts >= MAX_REVOCATION_ATTEMPTS;
    const notBefore = grant.verifyNotBeforeMs;
    if (failure === undefined && notBefore !== null && this.now() < notBefore) {
      // Revoked at the target for now, but the issuer could still deliver: look again once it cannot.
      await this.store.commit({
        updateGrant: {
          id: grant.id,
          expect: { ...before, revocation: ['pending', 'failed'] },
          patch: { revocation: 'pending', revocationAttempts: attempts, nextAttemptAtMs: notBefore, revocationLeaseUntilMs: null },
        },
        events: [{ type: 'revocation.deferred', ...audit, data: { attempts, until: Math.floor(notBefore / 1000), reason: 'the issuer may still deliver a credential until its timeout' } }],
      });
      return this.store.getGrant(grant.id);
    }
    await this.store.commit({
      // If the handle changed meanwhile (a late credential), this outcome is about the old one: not recorded.
      updateGrant: {
        id: grant.id,
        expect: { ...before, revocation: ['pending', 'failed'] },
        patch: {
          revocation: failure === undefined ? 'verified' : giveUp ? 'irrevocable' : 'failed',
          revocationAttempts: attempts,
          nextAttemptAtMs: failure === undefined || giveUp ? null : this.now() + backoffMs(attempts),
          revocationLeaseUntilMs: null,
        },
      },
      events: [
        failure === undefined
          ? { type: 'revocation.verified', ...audit, data: { attempts } }
          : { type: giveUp ? 'revocation.irrevocable' : 'revocation.failed', ...audit, data: { attempts, error: failure.slice(0, 300) } },
      ],
    });
    return this.store.getGrant(grant.id);
  }

  /** Ended grants whose revocation is unsettled and whose next attempt is due. */
  due(): Promise<GrantRecord[]> {
    return this.store.listGrants({ revocationDueBy: this.now() });
  }
}
