// Builds the issuer a role names; adding an issuer type touches this file and its own.
import type { KeyProvider } from '../key-provider.js';
import type { IssuerConfig } from '../policy/types.js';
import type { Store } from '../store/store.js';
import type { Issuer } from './issuer.js';

export interface IssuerDeps {
  keys: KeyProvider;
  store: Store;
}

/** The issuer settings a grant was issued with (kept with the grant, so a policy change does not alter them). */
export function issuerConfigOf(grant: { issuerConfig: string }): IssuerConfig {
  return JSON.parse(grant.issuerConfig) as IssuerConfig;
}

export async function createIssuer(config: IssuerConfig, deps: IssuerDeps): Promise<Issuer> {
  switch (config.type) {
    case 'jwt': {
      const { JwtIssuer } = await import('./jwt.js');
      return new JwtIssuer(await deps.keys.tokenKey(), deps.store, config.audience);
    }
    case 'command': {
      const { CommandIssuer } = await import('./command.js');
      return new CommandIssuer(config);
    }
  }
}

/**
 * How long after issuance began a credential may still appear at the target: an issuer that runs
 * outside the broker (a command) may deliver until its timeout; one inside it delivers with it or never.
 */
export function issueWindowMs(config: IssuerConfig): number {
  return config.type === 'command' ? config.timeoutSeconds * 1000 : 0;
}

/**
 * How long one revocation attempt (revoke, then verify) may take before it counts as failed: a target
 * that never answers must not hold the attempt, or the grant's lease, for good.
 */
export function revocationDeadlineMs(config: IssuerConfig): number {
  return config.type === 'command' ? (2 * config.timeoutSeconds + 1) * 1000 : 30_000;
}

/**
 * Which target a revocation goes to, for sharing places among targets; none for an issuer inside the
 * broker (jwt), which answers with the broker's own store and cannot hang on someone else's system.
 */
export function revocationTarget(config: IssuerConfig): string | undefined {
  return config.type === 'jwt' ? undefined : JSON.stringify(config);
}
