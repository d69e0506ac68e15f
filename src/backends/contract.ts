// What crosses between the CLI and a broker, in process or over HTTP: plain data only. No store rows
// (issuer settings, handles, retry counters stay on the broker), times in Unix seconds as users see them.
import type { GrantState, RequestState, RevocationState, RevokeReason } from '../core/states.js';
import type { ProcessIdentity } from '../platform/process-identity.js';

export interface Grant {
  id: string;
  role: string;
  ticket: string;
  requester: string;
  state: GrantState;
  issuedAt: number; // Unix seconds
  expiresAt: number; // Unix seconds
  revocation: RevocationState | null;
  revokeReason: RevokeReason | null;
  /** Why its ticket ended it, in the ticket system's terms (state, address), for a grant a ticket ended. */
  revokeDetail?: string;
  /** The supervising jit: its host, pid and start time (so a recycled pid is never taken for it). */
  owner: { host: string; pid: number; startTime: string | null };
  /** Issued through `jit break-glass`: the session says so (JIT_BREAKGLASS=1), and a review is owed. */
  breakGlass?: boolean;
}

/** What a heartbeat learns: whether the grant still lives, and until when (a renewal moves it). */
export interface GrantPulse {
  state: GrantState;
  expiresAt: number; // Unix seconds
}

export interface ElevationRequest {
  role: string;
  ticket: string;
  ttlSeconds?: number;
  reason?: string;
  /** The jit process that supervises the session; the grant is orphaned when it is gone. */
  owner: ProcessIdentity;
  /** The grant id of the session this request is made from, if any. */
  parentSession?: string;
  /** The public half of a key made for this session (`ssh-ed25519 …`), for an issuer that certifies one. */
  publicKey?: string;
}

/** `jit break-glass`: a role without an approver or a ticket look-up, for an incident that cannot wait. */
export interface BreakGlassRequest extends Pick<ElevationRequest, 'role' | 'owner' | 'parentSession' | 'publicKey'> {
  reason: string;
  /** The incident it is for, as the incident tool names it; recorded as the grant's ticket. */
  incident?: string;
}

/** One break-glass use as `jit audit --break-glass` lists it, with its review. */
export interface BreakGlassUse {
  grant: Grant;
  reason: string;
  incident: string | null;
  /** Who may close its review (`user:…`, `group:…`): never the one who used it. */
  reviewers: string[];
  review: { by: string; at: number } | null;
}

/** What the CLI sets up on its side for a session, and tears down with it. */
export type ClientStep = { type: 'ssh-agent'; /** `ssh-ed25519-cert-v01@openssh.com AAAA… ID`: the session key's certificate. */ certificate: string };

export interface IssuedGrant {
  grant: Grant;
  /** The credential's variables: in memory, the keychain and the child's environment only. */
  credential: Record<string, string>;
  heartbeatSeconds: number;
  /** Something the requester should be told about this grant (issued unverified, for a shorter time). */
  notice?: string;
  clientStep?: ClientStep;
}

/** A request that waits for approvals, as its requester and its approvers see it. */
export interface PendingRequest {
  id: string;
  role: string;
  ticket: string;
  requester: string;
  reason: string | null;
  ttlSeconds: number;
  state: RequestState;
  createdAt: number; // Unix seconds
  pendingUntil: number; // Unix seconds
  /** Who approved it so far, and how many it needs. */
  approvers: string[];
  required: number;
  /** For a denied request: who denied it and why. */
  denial?: { by: string; reason: string };
  /** Whether its grant was picked up (an approval is good for one grant), or for a renewal, whether it extended the grant. */
  used: boolean;
  /** For a renewal: the grant it extends, by `ttlSeconds`. */
  renews?: string;
  /** Whether the caller made it (and so may pick up its grant). */
  mine: boolean;
}

/** What an approver saw of a request: an approval counts only for exactly this content. */
export type SeenRequest = Pick<PendingRequest, 'role' | 'ticket' | 'requester' | 'ttlSeconds' | 'reason'>;

export interface RoleSummary {
  name: string;
  description: string;
  ttl: { default: string; max: string };
  approvals: number;
  /** Who may approve (`user:…`, `group:…`), when approvals are needed, and how long a request waits for them. */
  approvers: string[];
  pendingTtl: string;
  ticketSystem: string;
  /** The anchored pattern a ticket id must match, checked before anything else sees it. */
  ticketPattern: string;
  issuer: string;
  mayRequest: boolean;
  /** The break-glass TTL (`15m`) when the role allows break-glass, else null. */
  breakGlass: string | null;
}
