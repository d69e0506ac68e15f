// `jit elevate`: a subshell with the credential injected, showing the role and time left in its
// prompt; revoked when the shell exits.
import { JitError } from '../../core/errors.js';
import { validateRequestId } from '../../core/identifiers.js';
import { assertCanStart } from '../../platform/executable.js';
import { runSession } from '../../session/run-session.js';
import { prepareShellStartup, type ShellStartup } from '../../shell/prompt-rc.js';
import { shellOfPath } from '../../shell/shells.js';
import type { Context } from '../context.js';
import { sessionDeps } from '../session-deps.js';
import type { ElevateOptions } from './define/elevate.js';
import { explainDenial, resolveRequestFlags } from './request-options.js';

/** `--request ID`: a request made earlier is the whole of what is asked; its own flags would contradict it. */
function pickUpRequest(id: string, options: ElevateOptions): { requestId: string } {
  const contradicting = (['ticket', 'role', 'ttl', 'reason'] as const).filter((flag) => options[flag] !== undefined);
  if (contradicting.length > 0) {
    throw new JitError('usage', `--request picks up a request made earlier, with its own ${contradicting.map((flag) => `--${flag}`).join(' and ')}`, {
      hint: `pass --request ${id} alone, or make a new request with --ticket and --role`,
    });
  }
  return { requestId: validateRequestId(id) };
}

export default async function elevate(options: ElevateOptions, context: Context): Promise<number> {
  const shell = options.shell || context.env.SHELL || '/bin/sh';
  // A shell that cannot start is exit 127 (or 126) with jit's own message, before any question or grant.
  assertCanStart(shell, context.env.PATH);
  const ask = options.request === undefined ? await resolveRequestFlags(options, 'elevate', context) : pickUpRequest(options.request, options);
  const shellName = shellOfPath(shell);
  const showPrompt = options.prompt !== false && shellName !== undefined && (await context.config()).prompt;
  const deps = await sessionDeps(context);
  const startup: ShellStartup | undefined = showPrompt ? prepareShellStartup(shellName, context.env) : undefined;
  try {
    return await runSession({ ask, approval: { wait: options.wait }, kind: 'shell', command: shell, args: startup?.args ?? [], ...(startup ? { extraEnv: startup.env } : {}) }, deps);
  } catch (error) {
    // --no-wait: the id alone on stdout, for a script to keep; what to do with it on stderr.
    if (!options.wait && error instanceof JitError && error.code === 'pending' && error.requestId) context.stdout.write(`${error.requestId}\n`);
    throw explainDenial(error, context.env);
  } finally {
    startup?.remove();
  }
}
