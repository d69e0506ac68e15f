// The session pipeline, top to bottom: request → keychain → child → revoke → keychain cleared.
// Revocation sits in one `finally`, so every way out of a session passes through it.
import { basename } from 'node:path';
import type { Backend, ElevationRequest, IssuedGrant } from '../backends/backend.js';
import { JitError, ExitCode, UNSAFE_TEXT } from '../core/errors.js';
import { buildSessionEnv, currentSession, type Environment } from '../core/session-env.js';
import type { RevokeReason } from '../core/states.js';
import { currentProcess, WAKE_SIGNAL } from '../platform/process-identity.js';
import { endSurvivors, prepareContainment, startContained } from './containment.js';
import { awaitDecision, type ApprovalWait, type WaitDeps } from './await-approval.js';
import { startClientStep, type RunningStep } from './client-steps.js';
import { endGrant } from './end-grant.js';
import type { LocalCredentials } from './local-credentials.js';
import { makeSessionKey } from './session-key.js';
import type { LocalSession } from './session-files.js';
import { exitCodeOfSignal, supervise, type SessionOutcome } from './supervise.js';

/** What is asked for, anew. */
export interface NewRequest {
  role: string;
  ticket: string;
  ttlSeconds?: number;
  reason?: string;
}

/** `jit break-glass`: no approver, no ticket look-up; the role's break-glass TTL. */
export interface BreakGlassAsk {
  breakGlass: { role: string; reason: string; incident?: string };
}

export interface SessionRequest {
  /** A new request, one made earlier (`jit elevate --request ID`) whose approved grant is picked up, or break-glass. */
  ask: NewRequest | { requestId: string } | BreakGlassAsk;
  /** For a role that needs approvals: whether, and how long, to wait for them. */
  approval: ApprovalWait;
  kind: 'shell' | 'command';
  command: string;
  args: string[];
  /** Variables for the child that are not part of the session contract (a shell's ZDOTDIR). */
  extraEnv?: Record<string, string>;
}

export interface SessionDeps {
  backend: Backend;
  credentials: LocalCredentials;
  env: Environment;
  warn: (message: string) => void;
  /** Shows that a wait is under way (a spinner on a terminal); resolves as the work does. */
  progress?: <T>(text: string, work: Promise<T>) => Promise<T>;
  /** The session this one would nest in, found beyond `env` (in the process ancestry); see cli/session-deps.ts. */
  parentSession?: string;
}

/** How long a session's stray processes get after their hang-up, before SIGKILL. */
const SURVIVOR_GRACE_MS = 2000;

function exitCodeOf(outcome: SessionOutcome): number {
  switch (outcome.kind) {
    case 'exited':
      return outcome.code;
    case 'signaled':
      return exitCodeOfSignal(outcome.signal);
    case 'expired':
    case 'revoked':
      return ExitCode.temporary;
    case 'not_started':
      return ExitCode.notFound;
  }
}

function revokeReasonOf(outcome: SessionOutcome | undefined): RevokeReason {
  if (outcome?.kind === 'expired') return 'expired';
  if (outcome?.kind === 'revoked') return 'operator';
  if (outcome?.kind === 'signaled') return 'signal';
  return 'exit';
}

/**
 * Holds SIGHUP, SIGTERM, SIGINT and SIGQUIT for the whole pipeline, so a signal that arrives while the
 * grant is being issued or revoked cannot kill jit half-way; it is remembered and acted on instead.
 * Wake-ups from `jit revoke` are counted too, so one that arrives before supervision is not lost.
 */
function holdSignals(): { received: () => NodeJS.Signals | undefined; wakeups: () => number; release: () => void } {
  let received: NodeJS.Signals | undefined;
  let wakeups = 0;
  const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGQUIT'];
  const listener = (signal: NodeJS.Signals) => {
    if (signal === 'SIGHUP' || signal === 'SIGTERM') received ??= signal;
  };
  const woken = () => void wakeups++;
  for (const signal of signals) process.on(signal, listener);
  process.on(WAKE_SIGNAL, woken);
  return {
    received: () => received,
    wakeups: () => wakeups,
    release: () => {
      signals.forEach((signal) => process.off(signal, listener));
      process.off(WAKE_SIGNAL, woken);
    },
  };
}

/** Words a broker sends to be shown (a team broker's are not this machine's to trust): printable, bounded. */
function brokerText(text: string): string {
  return text.replace(new RegExp(UNSAFE_TEXT.source, 'g'), '?').slice(0, 400);
}

export async function runSession(request: SessionRequest, deps: SessionDeps): Promise<number> {
  const held = holdSignals();
  try {
    return await issueAndSupervise(request, deps, held);
  } finally {
    held.release();
  }
}

async function issueAndSupervise(request: SessionRequest, deps: SessionDeps, held: ReturnType<typeof holdSignals>): Promise<number> {
  const { backend, credentials, warn } = deps;
  const progress = deps.progress ?? (<T>(_text: string, work: Promise<T>) => work);
  const owner = currentProcess();
  // Entering a cgroup takes a kernel grace period: it passes while the grant is being issued.
  const containment = prepareContainment();
  const parentSession = deps.parentSession ?? currentSession(deps.env)?.grantId;
  // Made for every request, kept in memory: a role whose issuer certifies keys (ssh) signs its public half.
  const sessionKey = makeSessionKey();
  const pickUp = { owner, publicKey: sessionKey.publicKey };
  const obtained = obtainGrant(request, { ...pickUp, ...(parentSession === undefined ? {} : { parentSession }) }, { backend, progress, tell: warn });
  const { grant, credential: issuedCredential, heartbeatSeconds, clientStep, notice } = await obtained.catch(async (error: unknown) => {
    await containment.abandon();
    throw error;
  });
  if (notice) deps.warn(`WARNING: ${brokerText(notice)}`);
  const session: LocalSession = { grantId: grant.id, ownerPid: owner.pid, ownerStartTime: owner.startTime, cgroup: null };

  let outcome: SessionOutcome | undefined;
  let stored = false;
  let keychainRefused = false;
  let step: RunningStep | undefined;
  let credential = issuedCredential;
  try {
    if (clientStep) {
      // Once jit is in the session's cgroup (or will not be), so the step's helper can be moved out of it.
      await containment.ready();
      step = await startClientStep(clientStep, sessionKey, grant.expiresAt * 1000, (pid) => containment.release(pid));
      // Kept with the credential: a process that still holds the step's variables belongs to the session.
      credential = { ...issuedCredential, ...step.env };
    }
    try {
      await credentials.put(session, credential);
      stored = true;
    } catch (error) {
      // A timed-out write may still land; any other failure stored nothing.
      stored = error instanceof Error && error.message.includes('timed out');
      keychainRefused = true;
      throw error;
    }
    // The shell's own start-up variables join what it inherits, so the session contract (scrubbing,
    // then the session's variables and the credential) still has the last word.
    const env = buildSessionEnv(
      { ...deps.env, ...request.extraEnv },
      { grantId: grant.id, role: grant.role, ticket: grant.ticket, expiresAtSeconds: grant.expiresAt, backend: backend.name, breakGlass: grant.breakGlass === true, endFile: credentials.endFile(grant.id) },
      credential,
      backend.withheldEnv,
    );
    const early = held.received();
    if (early) {
      outcome = { kind: 'signaled', signal: early };
      return exitCodeOf(outcome);
    }
    // SECURITY: a grant revoked since it was issued never reaches a child; a wake-up after this look
    // is counted, and supervision looks again as soon as it starts.
    const wakeupsSeen = held.wakeups();
    if ((await backend.heartbeat(grant.id))?.state !== 'active') {
      outcome = { kind: 'revoked' };
      warn(`the grant for ${grant.role} (${grant.ticket}) was revoked before the session started; nothing ran`);
      return exitCodeOf(outcome);
    }
    if (Date.now() >= grant.expiresAt * 1000) {
      outcome = { kind: 'expired' };
      warn(`the grant for ${grant.role} (${grant.ticket}) reached its TTL before the session started; nothing ran`);
      return exitCodeOf(outcome);
    }
    await backend.recordSession(grant.id, 'session.started', { kind: request.kind, program: basename(request.command) });
    // Recorded before the child starts: a later run must find the session's processes if jit is killed.
    session.cgroup = (await containment.ready()) ?? null;
    if (session.cgroup) credentials.contained(session);
    outcome = await supervise({
      command: request.command,
      args: request.args,
      env,
      expiresAtMs: grant.expiresAt * 1000,
      heartbeatSeconds,
      look: async () => {
        const pulse = await backend.heartbeat(grant.id);
        return { live: pulse?.state === 'active', ...(pulse?.expiresAt === undefined ? {} : { expiresAtMs: pulse.expiresAt * 1000 }) };
      },
      // `jit extend` says what it did; the shell's prompt learns it from the file.
      endMoved: (expiresAtMs) => {
        try {
          credentials.moveEnd(grant.id, Math.floor(expiresAtMs / 1000));
        } catch (error) {
          warn(`WARNING: the prompt will not show this session's new end: ${(error as Error).message}`);
        }
      },
      checkAtStart: held.wakeups() !== wakeupsSeen,
      // SECURITY: the whole tree the session starts is born in its own cgroup where the system allows it.
      spawnChild: (start) => startContained(containment, start).child,
      warn,
    });
    if (outcome.kind === 'expired') warn(`the grant for ${grant.role} (${grant.ticket}) reached its TTL; the session was ended`);
    if (outcome.kind === 'revoked') {
      const ended = await backend.grant(grant.id).catch(() => undefined);
      const detail = ended?.revokeDetail === undefined ? undefined : brokerText(ended.revokeDetail);
      warn(
        ended?.revokeReason === 'ticket_closed'
          ? `ticket ${grant.ticket} no longer allows ${grant.role}: ${detail ?? 'closed, moved on or reassigned'}; the grant was revoked and the session was ended`
          : ended?.revokeReason === 'ticket_unverifiable'
            ? `ticket ${grant.ticket} could not be confirmed for ${grant.role}: ${detail ?? 'its system did not answer'}; the grant was revoked and the session was ended`
            : `the grant for ${grant.role} (${grant.ticket}) was revoked; the session was ended`,
      );
    }
    if (outcome.kind === 'not_started') warn(`could not start ${request.command}: ${outcome.message}`);
    const survivors = await endSurvivors(session, Object.values(credential), SURVIVOR_GRACE_MS);
    if (survivors.found > 0) {
      await backend.recordSession(grant.id, 'session.survivors', { containment: survivors.containment, found: survivors.found, remaining: survivors.remaining.length, by: 'session end' });
    }
    if (survivors.remaining.length > 0) warn(`WARNING: could not end ${survivors.remaining.length} process(es) of this session (pids ${survivors.remaining.join(', ')}); they hold a revoked credential`);
    await backend.recordSession(grant.id, 'session.ended', { outcome: outcome.kind, status: exitCodeOf(outcome), containment: survivors.containment });
  } finally {
    // SECURITY: what the session used locally goes first (the agent and the key in it), then the grant.
    await step?.stop().catch((error: unknown) => warn(`WARNING: could not stop the session's ${clientStep!.type}: ${(error as Error).message}`));
    await containment.abandon();
    // Without an outcome the session never started: because the keychain refused the credential, or something after it failed.
    await endSessionGrant(grant.id, outcome ? revokeReasonOf(outcome) : keychainRefused && !stored ? 'keychain_unavailable' : 'exit', stored, deps);
  }
  return exitCodeOf(outcome);
}

/**
 * The grant: issued at once, or for a role that needs approvals, once they are given (waiting for them
 * as `request.approval` says) and picked up; or picked up from a request made earlier.
 */
async function obtainGrant(request: SessionRequest, from: Pick<ElevationRequest, 'owner' | 'publicKey' | 'parentSession'>, deps: WaitDeps): Promise<IssuedGrant> {
  const { backend, progress } = deps;
  const claim = async (id: string) => {
    await awaitDecision(id, request.approval, deps);
    // SECURITY: with the session it would start in, so that the broker applies the role's nesting rule here too.
    return progress(`picking up the grant of ${id}`, backend.claim(id, from));
  };
  if ('requestId' in request.ask) return claim(request.ask.requestId);
  if ('breakGlass' in request.ask) {
    const { role } = request.ask.breakGlass;
    return progress(`breaking the glass for ${role}`, backend.breakGlass({ ...request.ask.breakGlass, ...from }));
  }
  const { role, ticket, ttlSeconds, reason } = request.ask;
  const asked = { role, ticket, ...(ttlSeconds === undefined ? {} : { ttlSeconds }), ...(reason === undefined ? {} : { reason }), ...from };
  try {
    return await progress(`requesting ${role} for ${ticket}`, backend.request(asked));
  } catch (error) {
    if (!(error instanceof JitError) || error.code !== 'pending' || error.requestId === undefined) throw error;
    return claim(error.requestId);
  }
}

/** Ends the grant the shared way; a failure is reported loudly, never swallowed. */
async function endSessionGrant(grantId: string, reason: RevokeReason, stored: boolean, deps: SessionDeps): Promise<void> {
  const { problems, notRevoked } = await endGrant(grantId, reason, deps, { stored });
  for (const problem of problems) deps.warn(`WARNING: ${problem}`);
  if (notRevoked) throw new JitError('unavailable', 'the session ended but its grant could not be revoked', { hint: 'run `jit revoke --all`, then `jit audit standing`' });
}
