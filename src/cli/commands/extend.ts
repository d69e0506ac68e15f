// `jit extend`: a live grant ends later, as a fresh decision on the broker. The session that holds it
// (on this machine) is woken to learn its new end, and writes it where its shell's prompt reads it.
import { readFileSync } from 'node:fs';
import type { Backend, Grant } from '../../backends/backend.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import { ExitCode, JitError } from '../../core/errors.js';
import { validateGrantId, validateReason, validateRequestId } from '../../core/identifiers.js';
import { currentSession } from '../../core/session-env.js';
import { isProcessAlive } from '../../platform/process-identity.js';
import { awaitDecision } from '../../session/await-approval.js';
import { SessionFiles } from '../../session/session-files.js';
import type { Context } from '../context.js';
import { printJson, warn } from '../render.js';
import { withSpinner } from '../spinner.js';
import type { ExtendOptions } from './define/extend.js';

/** How long `jit extend` waits for its session to take the new end, before saying it will at its next heartbeat. */
const SESSION_ACK_MS = 3000;
const ACK_POLL_MS = 50;

function grantToExtend(options: ExtendOptions & { args: string[] }, context: Context): string {
  const [id] = options.args;
  if (id !== undefined) return validateGrantId(id);
  const session = currentSession(context.env);
  if (!session) throw new JitError('usage', 'not in a jit session, so there is no grant to extend by default', { hint: 'run it inside the session, or pass a grant id from `jit status`' });
  return validateGrantId(session.grantId);
}

/** The renewal decided, waiting for its approvers where the role needs them (as `jit elevate` does). */
async function renew(backend: Backend, grantId: string, options: ExtendOptions, context: Context): Promise<Grant> {
  const pickUp = (requestId: string) => `jit extend ${grantId} --request ${requestId}`;
  const tell = (message: string) => warn(context, message);
  const progress = <T>(text: string, work: Promise<T>) => withSpinner(context, text, work);
  const approval = {
    wait: options.wait !== false,
    pickUp,
    ...(typeof options.wait === 'string' ? { maxSeconds: parseDuration(options.wait, '--wait') } : {}),
  };
  const pickedUp = async (requestId: string) => {
    await awaitDecision(requestId, approval, { backend, tell, progress });
    return progress(`extending ${grantId}`, backend.extend(grantId, { requestId }));
  };
  if (options.request !== undefined) return pickedUp(validateRequestId(options.request));
  const bySeconds = parseDuration(options.by!, '--by');
  const reason = validateReason(options.reason);
  try {
    return await progress(`extending ${grantId} by ${formatDuration(bySeconds)}`, backend.extend(grantId, { bySeconds, ...(reason === undefined ? {} : { reason }) }));
  } catch (error) {
    if (!(error instanceof JitError) || error.code !== 'pending' || error.requestId === undefined) throw error;
    return pickedUp(error.requestId);
  }
}

/**
 * Waits (bounded) until the supervising jit, woken by the backend, has written the new end for its
 * shell, so that the very next prompt shows it. False when it did not in time, or runs elsewhere.
 */
async function sessionTookIt(grant: Grant, context: Context): Promise<boolean> {
  if (!isProcessAlive({ pid: grant.owner.pid, startTime: grant.owner.startTime })) return false;
  const file = new SessionFiles(context.paths.stateDir).endFile(grant.id);
  for (let waited = 0; waited < SESSION_ACK_MS; waited += ACK_POLL_MS) {
    try {
      if (Number(readFileSync(file, 'utf8').trim()) === grant.expiresAt) return true;
    } catch {
      // Not written yet.
    }
    await new Promise((resolve) => setTimeout(resolve, ACK_POLL_MS));
  }
  return false;
}

export default async function extend(options: ExtendOptions & { args: string[] }, context: Context): Promise<number> {
  const grantId = grantToExtend(options, context);
  // Every flag is checked before the broker is asked anything.
  if (options.request !== undefined && options.by !== undefined) throw new JitError('usage', 'pass --by or --request, not both', { hint: '--request applies a renewal already decided, by what it asked' });
  if (options.request === undefined && options.by === undefined) throw new JitError('usage', 'missing --by', { hint: 'say how much longer: jit extend --by 15m' });
  if (options.by !== undefined) parseDuration(options.by, '--by');
  if (typeof options.wait === 'string') parseDuration(options.wait, '--wait');
  if (options.request !== undefined) validateRequestId(options.request);
  validateReason(options.reason);
  const backend = await context.backend();
  const before = await backend.grant(grantId);
  try {
    const extended = await renew(backend, grantId, options, context);
    const told = await sessionTookIt(extended, context);
    if (options.json) {
      printJson(context, { grant: extended });
      return ExitCode.ok;
    }
    const added = before ? extended.expiresAt - before.expiresAt : undefined;
    const asked = options.by === undefined ? undefined : parseDuration(options.by, '--by');
    const capped = added !== undefined && asked !== undefined && added < asked ? `, the most ${extended.role} allows` : '';
    const left = extended.expiresAt - Math.floor(Date.now() / 1000);
    context.stdout.write(
      `Extended ${extended.id} ${extended.role} (${extended.ticket})${added === undefined ? '' : ` by ${formatDuration(added)}${capped}`}: ends at ${new Date(extended.expiresAt * 1000).toLocaleTimeString()}, in ${formatDuration(left)}.\n`,
    );
    if (!told) warn(context, 'its session learns the new end at its next heartbeat');
    return ExitCode.ok;
  } catch (error) {
    // --no-wait: the renewal's id alone on stdout, for a script to keep; what to do with it on stderr.
    if (options.wait === false && error instanceof JitError && error.code === 'pending' && error.requestId) context.stdout.write(`${error.requestId}\n`);
    throw error;
  }
}
