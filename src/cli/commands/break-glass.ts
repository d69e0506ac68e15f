// `jit break-glass`: a subshell with a role's credential and no approver, for an incident that cannot
// wait. The broker announces it and owes a review (and says so, shown as a warning); the shell and its
// prompt say BREAK-GLASS throughout.
import { validateIncidentId, validateReason } from '../../core/identifiers.js';
import { assertCanStart } from '../../platform/executable.js';
import { runSession } from '../../session/run-session.js';
import { prepareShellStartup, type ShellStartup } from '../../shell/prompt-rc.js';
import { shellOfPath } from '../../shell/shells.js';
import type { Context } from '../context.js';
import { sessionDeps } from '../session-deps.js';
import type { BreakGlassOptions } from './define/break-glass.js';
import { explainDenial } from './request-options.js';

export default async function breakGlass(options: BreakGlassOptions, context: Context): Promise<number> {
  // Checked here first, so a typo is told before the broker is asked anything.
  if (options.incident !== undefined) validateIncidentId(options.incident);
  validateReason(options.reason);
  const shell = options.shell || context.env.SHELL || '/bin/sh';
  assertCanStart(shell, context.env.PATH);
  const shellName = shellOfPath(shell);
  const showPrompt = options.prompt !== false && shellName !== undefined && (await context.config()).prompt;
  const deps = await sessionDeps(context);
  const ask = { breakGlass: { role: options.role, reason: options.reason, ...(options.incident === undefined ? {} : { incident: options.incident }) } };
  const startup: ShellStartup | undefined = showPrompt ? prepareShellStartup(shellName, context.env) : undefined;
  try {
    return await runSession({ ask, approval: { wait: false }, kind: 'shell', command: shell, args: startup?.args ?? [], ...(startup ? { extraEnv: startup.env } : {}) }, deps);
  } catch (error) {
    throw explainDenial(error, context.env);
  } finally {
    startup?.remove();
  }
}
