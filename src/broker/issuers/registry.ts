// The issuer types by name. Adding one: its folder, a line here and a line in schema.ts.
import { commandModule } from './command/module.js';
import type { Issuer, IssuerDeps, IssuerModule } from './issuer.js';
import { jwtModule } from './jwt/module.js';
import { postgresModule } from './postgres/module.js';
import { sshModule } from './ssh/module.js';
import type { IssuerConfig } from './schema.js';
import { envNameOf } from './secret-reference.js';

export type { IssuerConfig } from './schema.js';

const modules: { [Type in IssuerConfig['type']]: IssuerModule<Extract<IssuerConfig, { type: Type }>> } = {
  jwt: jwtModule,
  command: commandModule,
  postgres: postgresModule,
  ssh: sshModule,
};

function moduleOf<Config extends IssuerConfig>(config: Config): IssuerModule<Config> {
  return modules[config.type] as IssuerModule<Config>;
}

/** The issuer settings a grant was issued with (kept with the grant, so a policy change does not alter them). */
export function issuerConfigOf(grant: { issuerConfig: string }): IssuerConfig {
  return JSON.parse(grant.issuerConfig) as IssuerConfig;
}

export function createIssuer(config: IssuerConfig, deps: IssuerDeps): Promise<Issuer> {
  return moduleOf(config).create(config, deps);
}

export function issueWindowMs(config: IssuerConfig): number {
  return moduleOf(config).issueWindowMs(config);
}

export function revocationDeadlineMs(config: IssuerConfig): number {
  return moduleOf(config).revocationDeadlineMs(config);
}

export function revocationTarget(config: IssuerConfig): string | undefined {
  return moduleOf(config).revocationTarget(config);
}

/** The references (env:, file:, keychain:) the issuer reads its own secrets from. */
export function secretReferences(config: IssuerConfig): string[] {
  return moduleOf(config).secretReferences(config);
}

/** Variables of the broker's environment the issuer's secrets come from: never passed on to a session. */
export function secretEnv(config: IssuerConfig): string[] {
  return secretReferences(config).flatMap((reference) => envNameOf(reference) ?? []);
}
