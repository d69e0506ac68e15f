// `jit exec`: one command with the credential injected; its exit status passes through.
import { parseDuration } from '../../core/duration.js';
import { JitError } from '../../core/errors.js';
import { runSession } from '../../session/run-session.js';
import type { Context } from '../context.js';
import { warn } from '../render.js';
import { parseRequestFlags, type RequestFlags } from './request-options.js';

interface ExecOptions extends RequestFlags {
  wait?: string;
  args: string[];
}

export default async function exec(options: ExecOptions, context: Context): Promise<number> {
  const request = parseRequestFlags(options, 'exec');
  // Validated now so a typo fails early; waiting only matters for roles that need approval.
  if (options.wait !== undefined) parseDuration(options.wait, '--wait');
  const [command, ...args] = options.args;
  if (command === undefined) {
    throw new JitError('usage', 'missing the command to run', { hint: `put it after --: jit exec --ticket ${request.ticket} --role ${request.role} -- COMMAND [ARGS…]` });
  }
  const backend = await context.backend();
  return runSession(
    { ...request, kind: 'command', command, args },
    { backend, credentials: context.credentials(), env: context.env, warn: (message) => warn(context, message) },
  );
}
