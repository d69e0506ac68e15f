// The http backend: the CLI as a client of a team broker (`jit serve`). Every call carries the
// operator's login; the broker decides, issues, audits and sweeps. The workstation holds only its login
// tokens and the live credential.
import type { AuditEvent } from '../broker/records.js';
import { JitError } from '../core/errors.js';
import type { GrantState } from '../core/states.js';
import type { Backend } from './backend.js';
import type { BrokerClient } from './broker-client.js';
import type { Grant, IssuedGrant, RoleSummary } from './contract.js';
import { wakeOwner } from './wake-owner.js';

/** The audit of a team broker is read where it is kept, by those who run it. */
function auditOnBroker(url: string): JitError {
  return new JitError('usage', `the audit is kept by the team broker at ${url}, not on this machine`, {
    hint: 'on the broker host, as its service user: JIT_STATE_DIR=<its stateDir> jit audit verify (a client-side audit check comes with a later version)',
  });
}

/** `client` carries the operator's login (cli/team-broker.ts). */
export function openHttpBackend(client: BrokerClient): Backend {
  const grantPath = (id: string) => `/v1/grants/${encodeURIComponent(id)}`;
  return {
    name: 'http',
    roles: () => client.call<RoleSummary[]>('GET', '/v1/roles', { idempotent: true }),
    // SECURITY: never retried: a lost answer must not become a second grant.
    request: (input) => client.call<IssuedGrant>('POST', '/v1/grants', { body: input, idempotent: false }),
    heartbeat: async (id) => (await client.call<{ state: GrantState }>('POST', `${grantPath(id)}/heartbeat`, { idempotent: true })).state,
    recordSession: (id, type, data) => client.call<void>('POST', `${grantPath(id)}/events`, { body: { type, data }, idempotent: false }),
    revoke: async (id, reason) => {
      const ended = await client.call<Grant>('POST', `${grantPath(id)}/revoke`, { body: { reason }, idempotent: true });
      // The session it belongs to may be on this machine: it ends now rather than at its next heartbeat.
      if (reason === 'operator') wakeOwner(ended.owner);
      return ended;
    },
    grant: async (id) => {
      try {
        return await client.call<Grant>('GET', grantPath(id), { idempotent: true });
      } catch (error) {
        if (error instanceof JitError && error.code === 'not_found') return undefined;
        throw error;
      }
    },
    grants: (filter = {}) => client.call<Grant[]>('GET', filter.live === undefined ? '/v1/grants' : `/v1/grants?live=${filter.live}`, { idempotent: true }),
    // The broker sweeps on its own timer; a client has nothing to sweep.
    sweep: async () => [],
    events: async (): Promise<AuditEvent[]> => {
      throw auditOnBroker(client.url);
    },
    verifyAudit: async () => {
      throw auditOnBroker(client.url);
    },
    exportAudit: async () => {
      throw auditOnBroker(client.url);
    },
    standing: async () => {
      throw auditOnBroker(client.url);
    },
    close: () => client.close(),
  };
}
