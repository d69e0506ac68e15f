// The session pipeline, top to bottom: request → keychain → child → revoke → keychain cleared.
// Revocation sits in one `finally`, so every way out of a session passes through it.
import { basename } from 'node:path';
import type { Backend } from '../backends/backend.js';
import { JitError, ExitCode } from '../core/errors.js';
import { buildSessionEnv, currentSession, type Environment } from '../core/session-env.js';
import type { RevokeReason } from '../core/states.js';
import { currentProcess } from '../platform/process-identity.js';
import type { LocalCredentials } from './local-credentials.js';
import { exitCodeOfSignal, supervise, type SessionOutcome } from './supervise.js';

export interface SessionRequest {
  role: string;
  ticket: string;
  ttlSeconds?: number;
  reason?: string;
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
      return 127;
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
 */
function holdSignals(): { received: () => NodeJS.Signals | undefined; release: () => void } {
  let received: NodeJS.Signals | undefined;
  const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGQUIT'];
  const listener = (signal: NodeJS.Signals) => {
    if (signal === 'SIGHUP' || signal === 'SIGTERM') received ??= signal;
  };
  for (const signal of signals) process.on(signal, listener);
  return { received: () => received, release: () => signals.forEach((signal) => process.off(signal, listener)) };
}

export async function runSession(request: SessionRequest, deps: SessionDeps): Promise<number> {
  const held = holdSignals();
  try {
    return await issueAndSupervise(request, deps, held.received);
  } finally {
    held.release();
  }
}

async function issueAndSupervise(request: SessionRequest, deps: SessionDeps, signalled: () => NodeJS.Signals | undefined): Promise<number> {
  const { backend, credentials, warn } = deps;
  const progress = deps.progress ?? (<T>(_text: string, work: Promise<T>) => work);
  const requested = backend.request({
    role: request.role,
    ticket: request.ticket,
    ...(request.ttlSeconds === undefined ? {} : { ttlSeconds: request.ttlSeconds }),
    ...(request.reason === undefined ? {} : { reason: request.reason }),
    owner: currentProcess(),
    parentSession: deps.parentSession ?? currentSession(deps.env)?.grantId,
  });
  const { grant, credential, heartbeatSeconds } = await progress(`requesting ${request.role} for ${request.ticket}`, requested);

  let outcome: SessionOutcome | undefined;
  try {
    // SECURITY: while the grant lives its credential is in the keychain, never in a file.
    await credentials.put(grant.id, credential);
    // The shell's own start-up variables join what it inherits, so the session contract (scrubbing,
    // then the session's variables and the credential) still has the last word.
    const env = buildSessionEnv(
      { ...deps.env, ...request.extraEnv },
      { grantId: grant.id, role: grant.role, ticket: grant.ticket, expiresAt: Math.floor(grant.expiresAt / 1000), backend: backend.name, breakGlass: false },
      credential,
    );
    const early = signalled();
    if (early) {
      outcome = { kind: 'signaled', signal: early };
      return exitCodeOf(outcome);
    }
    await backend.recordSession(grant, 'session.started', { kind: request.kind, program: basename(request.command) });
    outcome = await supervise({
      command: request.command,
      args: request.args,
      env,
      expiresAt: grant.expiresAt,
      heartbeatSeconds,
      stillLive: async () => (await backend.heartbeat(grant.id)) === 'active',
      warn,
    });
    if (outcome.kind === 'expired') warn(`the grant for ${grant.role} (${grant.ticket}) reached its TTL; the session was ended`);
    if (outcome.kind === 'revoked') warn(`the grant for ${grant.role} (${grant.ticket}) was revoked; the session was ended`);
    if (outcome.kind === 'not_started') warn(`could not start ${request.command}: ${outcome.message}`);
    await backend.recordSession(grant, 'session.ended', { outcome: outcome.kind, status: exitCodeOf(outcome) });
  } finally {
    await endGrant(grant.id, revokeReasonOf(outcome), deps);
  }
  return exitCodeOf(outcome);
}

/**
 * Clears the keychain, then revokes at the target; a failure is reported loudly, never swallowed.
 * In that order, a crash in between leaves a live grant, which the next run's sweep revokes.
 */
async function endGrant(grantId: string, reason: RevokeReason, deps: SessionDeps): Promise<void> {
  const problems: string[] = [];
  try {
    await deps.credentials.remove(grantId);
  } catch (error) {
    problems.push(`could not remove ${grantId} from the keychain: ${(error as Error).message}; the next jit run retries`);
  }
  try {
    const ended = await deps.backend.revoke(grantId, reason);
    if (ended.revocation !== 'verified') {
      problems.push(`revocation of ${grantId} is not verified yet (${ended.revocation}); jit retries it on every run — check \`jit audit standing\``);
    }
  } catch (error) {
    problems.push(`could not revoke ${grantId}: ${(error as Error).message}`);
  }
  for (const problem of problems) deps.warn(`WARNING: ${problem}`);
  if (problems.length && problems.some((p) => p.startsWith('could not revoke'))) {
    throw new JitError('unavailable', 'the session ended but its grant could not be revoked', { hint: 'run `jit revoke --all`, then `jit audit standing`' });
  }
}
