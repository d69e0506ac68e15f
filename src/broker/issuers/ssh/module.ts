// The ssh issuer signs inside the broker (it delivers with the call or never) and revokes by writing a
// local file, the KRL; a revocation is that write and its reading back.
import type { IssuerModule } from '../issuer.js';
import type { SshConfig } from './schema.js';

export const sshModule: IssuerModule<SshConfig> = {
  issueWindowMs: () => 0,
  revocationDeadlineMs: () => 30_000,
  // One KRL file is one target: writes to it share places, whatever the roles.
  revocationTarget: (config) => `ssh:${config.krl}`,
  secretReferences: (config) => [config.ca],
  async create(config, deps) {
    const { SshIssuer } = await import('./ssh-issuer.js');
    return new SshIssuer(config, { env: deps.env ?? process.env, secrets: deps.secrets });
  },
};
