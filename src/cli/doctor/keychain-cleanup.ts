// Doctor's look for credentials that outlived their grant: sessions whose clean-up a dead jit left
// unfinished, and any keychain entry of jit's whose grant has ended.
import type { Backend } from '../../backends/backend.js';
import { isGrantId } from '../../core/identifiers.js';
import { isLive } from '../../core/states.js';
import type { LocalCredentials } from '../../session/local-credentials.js';
import type { SecretStore } from '../../platform/secret-store.js';
import type { CheckResult } from './checks.js';

const NAME = 'keychain cleanup';

export async function checkKeychainCleanup(credentials: LocalCredentials, secrets: SecretStore, backend: Backend | undefined): Promise<CheckResult> {
  const pending = new Set(credentials.orphans().map((session) => session.grantId));
  try {
    for (const account of await secrets.list()) {
      if (!isGrantId(account) || !backend) continue;
      const grant = await backend.grant(account);
      // SECURITY: an entry of a grant this broker has ended is a credential that should be gone.
      if (grant && !isLive(grant.state)) pending.add(account);
    }
  } catch {
    // An unreachable keychain is the keychain check's finding; the session files still tell what is pending.
  }
  if (pending.size === 0) return { name: NAME, status: 'ok', detail: 'no credential of an ended grant is in the keychain' };
  return {
    name: NAME,
    status: 'fail',
    detail: `credentials of ended grants still in the keychain: ${[...pending].join(', ')}`,
    fix: 'run any jit command where the keychain is reachable (e.g. your desktop session); it removes them',
  };
}
