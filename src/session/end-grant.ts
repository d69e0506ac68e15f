// Ending a grant from this machine, the one way both `jit revoke` and a session's end do it: the
// credential leaves the keychain first, then the broker revokes it at its target. In that order a crash
// in between leaves a live grant, which the next run's sweep revokes, never a stray credential. A
// keychain that cannot be reached never stops the revocation.
import type { Backend } from '../backends/backend.js';
import type { Grant } from '../backends/contract.js';
import type { RevokeReason } from '../core/states.js';
import type { LocalCredentials } from './local-credentials.js';

export interface EndedGrant {
  grant: Grant | undefined;
  /** What went wrong, worded for the person at the terminal; never fatal to the revocation. */
  problems: string[];
  /** True when the broker could not be asked to revoke at all. */
  notRevoked: boolean;
}

export async function endGrant(
  grantId: string,
  reason: RevokeReason,
  deps: { backend: Backend; credentials: LocalCredentials },
  options: { stored?: boolean } = {},
): Promise<EndedGrant> {
  const problems: string[] = [];
  try {
    if (options.stored === false) deps.credentials.forget(grantId);
    else await deps.credentials.remove(grantId);
  } catch (error) {
    problems.push(`could not remove ${grantId} from the keychain: ${(error as Error).message}; the next jit run that reaches the keychain removes it`);
  }
  let grant: Grant | undefined;
  try {
    const ended = await deps.backend.revoke(grantId, reason);
    grant = ended;
    if (ended.revocation !== 'verified') {
      problems.push(`revocation of ${grantId} is not verified yet (${ended.revocation}); jit retries it on every run — check \`jit audit standing\``);
    }
  } catch (error) {
    problems.push(`could not revoke ${grantId}: ${(error as Error).message}`);
    return { grant, problems, notRevoked: true };
  }
  return { grant, problems, notRevoked: false };
}
