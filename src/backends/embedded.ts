// The embedded backend: the broker runs in this process on a SQLite file in the state dir.
import { join } from 'node:path';
import { loadPolicy } from '../broker/policy/load.js';
import { breakGlassNeedsTeamBroker, needsTeamBroker } from '../broker/policy/team-only.js';
import { Broker } from '../broker/service.js';
import { stateDirKeys } from '../broker/key-provider.js';
import { SqliteStore } from '../broker/store/sqlite.js';
import type { RevokeReason } from '../core/states.js';
import type { Operator } from '../platform/operator.js';
import type { SecretStore } from '../platform/secret-store.js';
import { ensurePrivateDir, type JitPaths } from '../platform/paths.js';
import type { Backend } from './backend.js';
import { wakeOwner } from './wake-owner.js';

export const STORE_FILE = 'jit.db';

/** `secrets`: the OS keychain, for issuer secrets the policy names as keychain:NAME (opened only if one is read). */
export async function openEmbeddedBackend(paths: JitPaths, operator: Operator, secrets?: SecretStore): Promise<Backend> {
  const policy = await loadPolicy(paths.configDir);
  const stateDir = ensurePrivateDir(paths.stateDir);
  const keys = stateDirKeys(stateDir);
  const store = SqliteStore.open(join(stateDir, STORE_FILE), { stateDir, keys });
  const broker = new Broker({ policy, store, keys, host: operator.host, ...(secrets ? { secrets } : {}) });
  // The caller is the OS account running jit: every call is made on its behalf.
  return {
    name: 'embedded',
    withheldEnv: broker.secretEnv(),
    roles: async () => broker.roles(operator),
    request: async (input) => {
      const role = policy.roles.get(input.role);
      // SECURITY: an approval by this same account would be no approval at all.
      if (role && role.approval.required > 0) throw needsTeamBroker(role, policy.source);
      return broker.request(operator, input);
    },
    // Never more than the policy's roles allow here: one without approvals leaves nothing pending.
    requests: (filter) => broker.requests(operator, filter),
    pendingRequest: (id) => broker.pendingRequest(operator, id),
    approve: (id, { reason, seen }) => broker.approve(operator, id, reason, seen),
    deny: (id, reason) => broker.deny(operator, id, reason),
    claim: (id, input) => broker.claim(operator, id, input),
    breakGlass: async (input) => {
      throw breakGlassNeedsTeamBroker(input.role, policy.source);
    },
    review: (id, note) => broker.reviewBreakGlass(operator, id, note),
    breakGlassUses: () => broker.breakGlassUses(),
    heartbeat: (id) => broker.heartbeat(operator, id),
    recordSession: (id, type, data) => broker.recordSession(operator, id, type, data),
    // SECURITY: the owner is woken only once the target has revoked: ending the session ends a `jit
    // revoke` run inside it too, which must not be cut short before the credential is gone.
    revoke: async (id: string, reason: RevokeReason) => {
      const ended = await broker.revoke(operator, id, reason);
      if (reason === 'operator' && ended.owner.host === operator.host) wakeOwner(ended.owner);
      return ended;
    },
    // The session it belongs to is woken so that it learns the new end now, not at its next heartbeat.
    extend: async (id, ask) => {
      const extended = await broker.extend(operator, id, ask);
      if (extended.owner.host === operator.host) wakeOwner(extended.owner);
      return extended;
    },
    grant: (id) => broker.grant(operator, id),
    grants: (filter) => broker.grants(operator, filter),
    sweep: () => broker.sweep(),
    events: (filter) => broker.events(filter),
    verifyAudit: (exported) => broker.verifyAudit(exported),
    exportAudit: (afterSeq) => broker.exportAudit(afterSeq),
    standing: () => broker.standing(),
    close: () => store.close(),
  };
}
