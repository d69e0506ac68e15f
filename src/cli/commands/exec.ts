// `jit exec`: one command with the credential injected; its exit status passes through.
import { parseDuration } from '../../core/duration.js';
import { JitError } from '../../core/errors.js';
import { assertCanStart } from '../../platform/executable.js';
import { runSession } from '../../session/run-session.js';
import type { Context } from '../context.js';
import { sessionDeps } from '../session-deps.js';
import type { ExecOptions } from './define/exec.js';
import { explainDenial, resolveRequestFlags } from './request-options.js';

export default async function exec(options: ExecOptions & { args: string[] }, context: Context): Promise<number> {
  // Validated now so a typo fails early; waiting only matters for roles that need approval.
  const waitSeconds = options.wait === undefined ? undefined : parseDuration(options.wait, '--wait');
  const [command, ...args] = options.args;
  if (command === undefined) {
    throw new JitError('usage', 'missing the command to run', {
      hint: `put it after --: jit exec --ticket ${options.ticket ?? 'OPS-123'} --role ${options.role ?? 'ROLE'} -- COMMAND [ARGS…]`,
    });
  }
  // A program that cannot start is exit 127 (or 126) with jit's own message, before any question or grant.
  assertCanStart(command, context.env.PATH);
  const ask = await resolveRequestFlags(options, 'exec', context);
  const approval = { wait: true, ...(waitSeconds === undefined ? {} : { maxSeconds: waitSeconds }) };
  return runSession({ ask, approval, kind: 'command', command, args }, await sessionDeps(context)).catch((error: unknown) => {
    throw explainDenial(error, context.env);
  });
}
