// The http backend: the CLI as a client of a team broker (`jit serve`). Every call carries the
// operator's login; the broker decides, issues, audits and sweeps. The workstation holds only its login
// tokens and the live credential.
import { compareExport } from '../broker/audit/export.js';
import { JitError } from '../core/errors.js';
import { fetchChain, readWitness, verifyPublished, writeWitness, type AuditPage } from './audit-witness.js';
import type { Backend } from './backend.js';
import type { BrokerClient } from './broker-client.js';
import type { BreakGlassUse, Grant, GrantPulse, IssuedGrant, PendingRequest, RoleSummary } from './contract.js';
import { wakeOwner } from './wake-owner.js';

/**
 * `client` carries the operator's login (cli/team-broker.ts); `witnessFile` keeps what this workstation
 * has proven of the broker's audit (backends/audit-witness.ts).
 */
export function openHttpBackend(client: BrokerClient, { witnessFile }: { witnessFile: string }): Backend {
  const grantPath = (id: string) => `/v1/grants/${encodeURIComponent(id)}`;
  const requestPath = (id: string) => `/v1/requests/${encodeURIComponent(id)}`;
  const chainAfter = (afterSeq: number) => fetchChain((after) => client.call<AuditPage>('GET', `/v1/audit?after=${after}`, { idempotent: true }), afterSeq);
  return {
    name: 'http',
    // SECURITY: a team broker's issuing secrets are on the broker; this machine holds none to withhold.
    withheldEnv: [],
    roles: () => client.call<RoleSummary[]>('GET', '/v1/roles', { idempotent: true }),
    // SECURITY: never retried: a lost answer must not become a second grant.
    request: (input) => client.call<IssuedGrant>('POST', '/v1/grants', { body: input, idempotent: false }),
    requests: (filter = {}) => client.call<PendingRequest[]>('GET', filter.pending ? '/v1/requests?pending=true' : '/v1/requests', { idempotent: true }),
    pendingRequest: async (id, wait) => {
      try {
        return await client.call<PendingRequest>('GET', `${requestPath(id)}${wait ? `?wait=${wait.seconds}` : ''}`, { idempotent: true, ...(wait?.signal ? { signal: wait.signal } : {}) });
      } catch (error) {
        if (error instanceof JitError && error.code === 'not_found') return undefined;
        throw error;
      }
    },
    // Sent once: a retry of a decision that landed would be refused as a second one, hiding the first.
    approve: (id, decision) => client.call<PendingRequest>('POST', `${requestPath(id)}/approve`, { body: decision, idempotent: false }),
    deny: (id, reason) => client.call<PendingRequest>('POST', `${requestPath(id)}/deny`, { body: { reason }, idempotent: false }),
    // SECURITY: never retried, as a request for a grant is not: one pick-up, one credential.
    claim: (id, input) => client.call<IssuedGrant>('POST', `${requestPath(id)}/grant`, { body: input, idempotent: false }),
    // SECURITY: never retried, as a request for a grant is not.
    breakGlass: (input) => client.call<IssuedGrant>('POST', '/v1/break-glass', { body: input, idempotent: false }),
    review: (id, note) => client.call<BreakGlassUse>('POST', `/v1/break-glass/${encodeURIComponent(id)}/review`, { body: note === undefined ? {} : { note }, idempotent: false }),
    breakGlassUses: () => client.call<BreakGlassUse[]>('GET', '/v1/break-glass', { idempotent: true }),
    heartbeat: (id) => client.call<GrantPulse>('POST', `${grantPath(id)}/heartbeat`, { idempotent: true }),
    // Never retried: a lost answer must not become a second extension. The session learns its new end now.
    extend: async (id, ask) => {
      const extended = await client.call<Grant>('POST', `${grantPath(id)}/extend`, { body: ask, idempotent: false });
      wakeOwner(extended.owner);
      return extended;
    },
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
    events: async (filter = {}) =>
      (await chainAfter(0)).events.filter((event) => (filter.grantId === undefined || event.grantId === filter.grantId) && (filter.ticket === undefined || event.ticket === filter.ticket)),
    verifyAudit: async (exported) => {
      if (exported) {
        // An earlier export against the whole chain as the broker publishes it now.
        const chain = await chainAfter(0);
        const { verdict } = verifyPublished(chain, undefined, client.url, new Date());
        if (!verdict.ok) return verdict;
        const compared = compareExport(exported, chain.events, chain.key);
        return compared.ok ? verdict : { ok: false, seq: compared.seq, problem: compared.problem, events: verdict.events, checkpoints: verdict.checkpoints };
      }
      // The whole chain every time: what this workstation saw before is proven again, not taken on trust,
      // and the broker learns nothing of what each workstation has seen.
      const witness = readWitness(witnessFile, client.url);
      const { verdict, witness: seen } = verifyPublished(await chainAfter(0), witness, client.url, new Date());
      if (seen) writeWitness(witnessFile, seen);
      return verdict;
    },
    exportAudit: async (afterSeq = 0) => {
      const { key, events, checkpoints } = await chainAfter(afterSeq);
      return { key, events, checkpoints };
    },
    standing: () => client.call<Grant[]>('GET', '/v1/audit/standing', { idempotent: true }),
    close: () => client.close(),
  };
}
