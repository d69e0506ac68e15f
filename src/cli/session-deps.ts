// What a session needs from the CLI: the backend, the keychain, the terminal for warnings and waits,
// and the session it would nest in.
import { hostname } from 'node:os';
import type { Backend } from '../backends/backend.js';
import { currentSession, type Environment } from '../core/session-env.js';
import { ancestorPids, sessionOfAncestors } from '../platform/ancestry.js';
import { isProcessAlive } from '../platform/process-identity.js';
import type { SessionDeps } from '../session/run-session.js';
import type { Context } from './context.js';
import { warn } from './render.js';
import { withSpinner } from './spinner.js';

export async function sessionDeps(context: Context): Promise<SessionDeps> {
  const backend = await context.backend();
  const parentSession = await enclosingSession(context.env, backend);
  return {
    backend,
    credentials: context.credentials(),
    env: context.env,
    warn: (message) => warn(context, message),
    progress: (text, work) => withSpinner(context, text, work),
    ...(parentSession ? { parentSession } : {}),
  };
}

/**
 * The session this process runs inside, so the broker can refuse to nest: our own JIT_SESSION, else
 * one still in an ancestor's environment, else a live grant of ours whose supervising jit is an
 * ancestor (it keeps no JIT_SESSION itself, so `jit exec -- env -u JIT_SESSION jit exec …` is caught too).
 * A process that detached (double fork, setsid and reparenting) and cleared its environment is not.
 */
async function enclosingSession(env: Environment, backend: Backend): Promise<string | undefined> {
  // SECURITY: the environment alone is the caller's to edit; the process tree above it is not.
  const own = currentSession(env)?.grantId ?? sessionOfAncestors();
  if (own) return own;
  const ancestors = new Set(ancestorPids());
  if (ancestors.size === 0) return undefined;
  const host = hostname();
  const owner = (await backend.grants({ live: true })).find(
    (grant) => grant.owner.host === host && ancestors.has(grant.owner.pid) && isProcessAlive({ pid: grant.owner.pid, startTime: grant.owner.startTime }),
  );
  return owner?.id;
}
