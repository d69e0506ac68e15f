// An issuer turns an approved request into a credential at a target system, and takes it back.
// Each type is one folder: its policy schema (schema.ts, zod, loaded only with a policy file), its
// module (module.ts: what the broker must know without loading the issuer) and the issuer itself,
// loaded when a grant first needs it. registry.ts and schema.ts list the types.
import type { ClientStep } from '../../backends/contract.js';
import { JitError } from '../../core/errors.js';
import type { SecretStore } from '../../platform/secret-store.js';
import type { KeyProvider } from '../key-provider.js';
import type { GrantRecord } from '../records.js';
import type { Store } from '../store/store.js';

export interface IssuedCredential {
  /** Variables to inject into the session; secret values live only in memory and the keychain. */
  env: Record<string, string>;
  /** A non-secret reference the issuer needs to revoke later (a lease id, a role name). */
  handle: string | null;
  /** What the CLI must set up on its side for the session (an ssh-agent holding a certificate). */
  clientStep?: ClientStep;
}

/** What the CLI made for this request and sent along: the public half of its session key. */
export interface ClientMaterial {
  publicKey?: string;
}

export type IssueSubject = Pick<GrantRecord, 'id' | 'role' | 'ticket' | 'requester' | 'issuedAtMs' | 'expiresAtMs'>;

export interface Issuer {
  issue(grant: IssueSubject, material: ClientMaterial): Promise<IssuedCredential>;
  /** Takes the credential back; idempotent: revoking what is already gone succeeds. */
  revoke(grant: GrantRecord): Promise<void>;
  /** True when the target confirms the credential no longer works. */
  verifyRevoked(grant: GrantRecord): Promise<boolean>;
  /** Moves the credential's end at the target to `expiresAtMs`, where the target keeps one; absent where it cannot. */
  renew?(grant: GrantRecord, expiresAtMs: number): Promise<void>;
}

/**
 * An issue that failed before anything reached the target (it could not be reached, or refused the
 * issuer's own login): there is nothing to revoke, and the grant's revocation is verified as it ends.
 * SECURITY: thrown only where that is certain, never once a request may have arrived.
 */
export class NothingIssued extends JitError {}

export interface IssuerDeps {
  keys: KeyProvider;
  store: Store;
  /** The environment issuer secrets are read from (`env:NAME` references); the process's own by default. */
  env?: NodeJS.ProcessEnv;
  /** The OS keychain, for `keychain:NAME` references: the embedded broker's only. */
  secrets?: SecretStore;
}

/** What the broker knows of an issuer type without loading it: cheap, synchronous, free of dependencies. */
export interface IssuerModule<Config> {
  /**
   * How long after issuance began a credential may still appear at the target: an issuer that runs
   * outside the broker (a command) may deliver until its timeout; one that answers in the call, with it or never.
   */
  issueWindowMs(config: Config): number;
  /**
   * How long one revocation attempt (revoke, then verify) may take before it counts as failed: a target
   * that never answers must not hold the attempt, or the grant's lease, for good.
   */
  revocationDeadlineMs(config: Config): number;
  /**
   * Which target a revocation goes to, for sharing places among targets; none for an issuer inside the
   * broker, which answers from the broker's own store and cannot hang on someone else's system.
   */
  revocationTarget(config: Config): string | undefined;
  /** The references (env:, file:, keychain:) its own secrets are read from. */
  secretReferences(config: Config): string[];
  create(config: Config, deps: IssuerDeps): Promise<Issuer>;
}
