// The embedded backend: the broker runs in this process on a SQLite file in the state dir.
import { join } from 'node:path';
import { loadPolicy } from '../broker/policy/load.js';
import type { GrantRecord } from '../broker/records.js';
import { Broker } from '../broker/service.js';
import { stateDirKeys } from '../broker/key-provider.js';
import { SqliteStore } from '../broker/store/sqlite.js';
import type { RevokeReason } from '../core/states.js';
import type { Operator } from '../platform/operator.js';
import { ensurePrivateDir, type JitPaths } from '../platform/paths.js';
import { isProcessAlive, WAKE_SIGNAL } from '../platform/process-identity.js';
import type { Backend } from './backend.js';

export const STORE_FILE = 'jit.db';

export async function openEmbeddedBackend(paths: JitPaths, operator: Operator): Promise<Backend> {
  const policy = await loadPolicy(paths.configDir);
  const stateDir = ensurePrivateDir(paths.stateDir);
  const keys = stateDirKeys(stateDir);
  const store = SqliteStore.open(join(stateDir, STORE_FILE), { stateDir, keys });
  const broker = new Broker({ policy, store, keys, host: operator.host });
  // The caller is the OS account running jit: every call is made on its behalf.
  return {
    name: 'embedded',
    roles: async () => broker.roles(operator),
    request: (input) => broker.request(operator, input),
    heartbeat: (id) => broker.heartbeat(operator, id),
    recordSession: (id, type, data) => broker.recordSession(operator, id, type, data),
    revoke: async (id: string, reason: RevokeReason) => {
      const ended = await broker.revoke(operator, id, reason);
      if (reason === 'operator') wakeOwner(await store.getGrant(id), operator.host);
      return ended;
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

/** Tells the jit supervising a revoked grant to end its session now rather than at its next heartbeat. */
function wakeOwner(grant: GrantRecord | undefined, host: string): void {
  if (!grant) return;
  const owner = { pid: grant.ownerPid, startTime: grant.ownerStartTime };
  // SECURITY: only a process we have proven is the owner (same host, same pid *and* start time) is signalled.
  if (grant.ownerHost !== host || owner.pid === process.pid || owner.startTime === null || !isProcessAlive(owner)) return;
  try {
    process.kill(owner.pid, WAKE_SIGNAL);
  } catch {
    // It ends at its next heartbeat instead.
  }
}
