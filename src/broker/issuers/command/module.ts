// The command issuer runs the admin's executables: one may deliver until its timeout, and a revocation
// (revoke, then verify) gets both timeouts and a second.
import type { IssuerModule } from '../issuer.js';
import type { CommandConfig } from './schema.js';

export const commandModule: IssuerModule<CommandConfig> = {
  issueWindowMs: (config) => config.timeoutSeconds * 1000,
  revocationDeadlineMs: (config) => (2 * config.timeoutSeconds + 1) * 1000,
  revocationTarget: (config) => JSON.stringify(config),
  // Its executables read their own secrets, by means jit does not know.
  secretReferences: () => [],
  async create(config) {
    const { CommandIssuer } = await import('./command-issuer.js');
    return new CommandIssuer(config);
  },
};
