// `jit elevate`: a subshell with the credential injected; revoked when the shell exits.
import { runSession } from '../../session/run-session.js';
import type { Context } from '../context.js';
import { warn } from '../render.js';
import { parseRequestFlags, type RequestFlags } from './request-options.js';

interface ElevateOptions extends RequestFlags {
  shell?: string;
  wait?: boolean;
}

export default async function elevate(options: ElevateOptions, context: Context): Promise<number> {
  const request = parseRequestFlags(options, 'elevate');
  const shell = options.shell || context.env.SHELL || '/bin/sh';
  const backend = await context.backend();
  return runSession(
    { ...request, kind: 'shell', command: shell, args: [] },
    { backend, credentials: context.credentials(), env: context.env, warn: (message) => warn(context, message) },
  );
}
