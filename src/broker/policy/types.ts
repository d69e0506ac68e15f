// The policy as the broker uses it, after validation: durations in seconds, defaults filled in.

import type { IssuerConfig } from '../issuers/schema.js';
import type { TicketConfig } from '../tickets/schema.js';

export type { IssuerConfig };

export interface RolePolicy {
  name: string;
  description: string;
  ttl: { defaultSeconds: number; maxSeconds: number };
  /** `offline`: the id is checked against `pattern` only and recorded as unverified; others look the ticket up. */
  ticket: TicketConfig;
  /** `*`, `user:NAME` or `group:NAME`. */
  requesters: string[];
  /** How many distinct approvers (matching `approvers`, never the requester) must say yes, and how long a request waits for them. */
  approval: { required: number; approvers: string[]; pendingSeconds: number };
  issuer: IssuerConfig;
  heartbeat: { intervalSeconds: number; timeoutSeconds: number };
  /** Whether `jit elevate` may start inside another jit session. */
  nesting: boolean;
  /** `jit break-glass`: whether the role allows it, for how long, and who reviews each use (never its user). */
  breakGlass: { allowed: boolean; ttlSeconds: number; reviewers: string[] };
}

/** A CI job or service that proves itself with an OIDC identity token from `issuer` (policy `workloads:`). */
export interface WorkloadPolicy {
  name: string;
  description: string;
  issuer: string;
  /** The token's `aud` must include it: a token minted for another service is not one for this broker. */
  audience: string;
  /** Each claim must equal one of its values exactly; all must hold. */
  claims: Readonly<Record<string, readonly string[]>>;
  algorithms: string[];
}

export interface Policy {
  roles: ReadonlyMap<string, RolePolicy>;
  /** Only a team broker (`jit serve`) verifies workload tokens; the embedded one has none to see. */
  workloads: ReadonlyMap<string, WorkloadPolicy>;
  /** Where the policy came from: a file path, or `built-in default`. */
  source: string;
}
