// What a session needs from the CLI: the backend, the keychain, and the terminal for warnings and waits.
import type { SessionDeps } from '../session/run-session.js';
import type { Context } from './context.js';
import { warn } from './render.js';
import { withSpinner } from './spinner.js';

export async function sessionDeps(context: Context): Promise<SessionDeps> {
  return {
    backend: await context.backend(),
    credentials: context.credentials(),
    env: context.env,
    warn: (message) => warn(context, message),
    progress: (text, work) => withSpinner(context, text, work),
  };
}
