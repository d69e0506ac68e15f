// `jit elevate`: a subshell with the credential injected, showing the role and time left in its
// prompt; revoked when the shell exits.
import { assertCanStart } from '../../platform/executable.js';
import { runSession } from '../../session/run-session.js';
import { prepareShellStartup, type ShellStartup } from '../../shell/prompt-rc.js';
import { shellOfPath } from '../../shell/shells.js';
import type { Context } from '../context.js';
import { sessionDeps } from '../session-deps.js';
import type { ElevateOptions } from './define/elevate.js';
import { explainDenial, resolveRequestFlags } from './request-options.js';

export default async function elevate(options: ElevateOptions, context: Context): Promise<number> {
  const shell = options.shell || context.env.SHELL || '/bin/sh';
  // A shell that cannot start is exit 127 (or 126) with jit's own message, before any question or grant.
  assertCanStart(shell, context.env.PATH);
  const request = await resolveRequestFlags(options, 'elevate', context);
  const shellName = shellOfPath(shell);
  const showPrompt = options.prompt !== false && shellName !== undefined && (await context.config()).prompt;
  const deps = await sessionDeps(context);
  const startup: ShellStartup | undefined = showPrompt ? prepareShellStartup(shellName, context.env) : undefined;
  try {
    return await runSession({ ...request, kind: 'shell', command: shell, args: startup?.args ?? [], ...(startup ? { extraEnv: startup.env } : {}) }, deps);
  } catch (error) {
    throw explainDenial(error, context.env);
  } finally {
    startup?.remove();
  }
}
