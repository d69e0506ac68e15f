// The postgres issuer talks to one database server. A CREATE ROLE it gave up on may still commit until
// the server's statement timeout ends it: that is its issue window. A revocation is several statements,
// each bounded by the timeout.
import type { IssuerModule } from '../issuer.js';
import type { PostgresConfig } from './schema.js';

/** Statements in one revocation (NOLOGIN, end sessions, objects, DROP ROLE, verify), each within the timeout. */
const REVOCATION_STEPS = 6;

export const postgresModule: IssuerModule<PostgresConfig> = {
  issueWindowMs: (config) => config.timeoutSeconds * 1000,
  revocationDeadlineMs: (config) => (REVOCATION_STEPS * config.timeoutSeconds + 1) * 1000,
  // One database server is one target: its revocations share places, whatever the roles.
  revocationTarget: (config) => `postgres:${config.connection}`,
  secretReferences: (config) => [config.connection],
  async create(config, deps) {
    const { PostgresIssuer } = await import('./postgres-issuer.js');
    return new PostgresIssuer(config, { env: deps.env ?? process.env, secrets: deps.secrets });
  },
};
