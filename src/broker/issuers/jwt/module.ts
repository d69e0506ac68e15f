// The jwt issuer signs inside the broker: it delivers with the call or never, and its revocation is the
// broker's own deny list, which no outside target can hold up.
import type { IssuerModule } from '../issuer.js';
import type { JwtConfig } from './schema.js';

export const jwtModule: IssuerModule<JwtConfig> = {
  issueWindowMs: () => 0,
  revocationDeadlineMs: () => 30_000,
  revocationTarget: () => undefined,
  secretReferences: () => [],
  async create(config, deps) {
    const { JwtIssuer } = await import('./jwt-issuer.js');
    return new JwtIssuer(await deps.keys.tokenKey(), deps.store, config.audience);
  },
};
