// The revocation pipeline: end a grant, take the credential back at the target, verify it is
// gone, and keep retrying with backoff until it is; what cannot be revoked is flagged, never forgotten.
import { assertGrantTransition } from '../core/states.js';
import type { RevokeReason } from '../core/states.js';
import type { Issuer } from './issuers/issuer.js';
import type { GrantRecord } from './records.js';
import type { Store } from './store/store.js';

/** Attempts before a revocation is declared irrevocable (spread over about 21 minutes by the backoff). */
export const MAX_REVOCATION_ATTEMPTS = 8;
/** Attempts made at once when a grant ends, before the rest is left to later runs. */
const IMMEDIATE_ATTEMPTS = 3;

export function backoffMs(attempts: number): number {
  return Math.min(5000 * 2 ** (attempts - 1), 10 * 60 * 1000);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Revoker {
  constructor(
    private readonly store: Store,
    private readonly issuerFor: (grant: GrantRecord) => Promise<Issuer>,
    private readonly now: () => number,
  ) {}

  /** Ends a live grant (revoked, or expired when its TTL ran out) and revokes it at the target. */
  async end(grant: GrantRecord, reason: RevokeReason, actor: string): Promise<GrantRecord> {
    const state = reason === 'expired' ? 'expired' : 'revoked';
    assertGrantTransition(grant.state, state);
    const endedAt = this.now();
    await this.store.commit({
      updateGrant: { id: grant.id, patch: { state, revokeReason: reason, revocation: 'pending', endedAt, nextAttemptAt: endedAt } },
      events: [{ type: state === 'expired' ? 'grant.expired' : 'grant.revoked', actor, grantId: grant.id, ticket: grant.ticket, role: grant.role, data: { reason } }],
    });
    let current = (await this.store.getGrant(grant.id))!;
    for (let attempt = 1; attempt <= IMMEDIATE_ATTEMPTS && current.revocation !== 'verified' && current.revocation !== 'irrevocable'; attempt++) {
      if (attempt > 1) await sleep(250 * attempt);
      current = await this.attempt(current);
    }
    return current;
  }

  /** One try at revoking and verifying; records the outcome as an audit event. */
  async attempt(grant: GrantRecord): Promise<GrantRecord> {
    const attempts = grant.revocationAttempts + 1;
    const audit = { grantId: grant.id, ticket: grant.ticket, role: grant.role, actor: 'revoker' };
    try {
      const issuer = await this.issuerFor(grant);
      await issuer.revoke(grant);
      if (!(await issuer.verifyRevoked(grant))) throw new Error('the target still accepts the credential');
      await this.store.commit({
        updateGrant: { id: grant.id, patch: { revocation: 'verified', revocationAttempts: attempts, nextAttemptAt: null } },
        events: [{ type: 'revocation.verified', ...audit, data: { attempts } }],
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const giveUp = attempts >= MAX_REVOCATION_ATTEMPTS;
      await this.store.commit({
        updateGrant: {
          id: grant.id,
          patch: { revocation: giveUp ? 'irrevocable' : 'failed', revocationAttempts: attempts, nextAttemptAt: giveUp ? null : this.now() + backoffMs(attempts) },
        },
        events: [{ type: giveUp ? 'revocation.irrevocable' : 'revocation.failed', ...audit, data: { attempts, error: message.slice(0, 300) } }],
      });
    }
    return (await this.store.getGrant(grant.id))!;
  }

  /** Retries every revocation whose next attempt is due. */
  async retryDue(): Promise<GrantRecord[]> {
    const now = this.now();
    const due = (await this.store.listGrants({ states: ['revoked', 'expired'] })).filter(
      (g) => (g.revocation === 'failed' || g.revocation === 'pending') && (g.nextAttemptAt ?? 0) <= now,
    );
    const results: GrantRecord[] = [];
    for (const grant of due) results.push(await this.attempt(grant));
    return results;
  }
}
