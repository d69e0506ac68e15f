// A spinner for waits a person would notice: only on a terminal, only after ~200 ms, never in --json.
import type { Context } from './context.js';
import { wantsColor } from './render.js';

const SHOW_AFTER_MS = 200;

export async function withSpinner<T>(context: Pick<Context, 'stderr' | 'env'>, text: string, work: Promise<T>): Promise<T> {
  // A terminal that reports no width (a bare pty) would make ora's line clearing loop without end.
  if (!context.stderr.isTTY || !context.stderr.columns || context.env.TERM === 'dumb') return work;
  let spinner: { stop(): unknown } | undefined;
  let done = false;
  const timer = setTimeout(() => {
    void import('ora').then(({ default: ora }) => {
      if (done) return;
      const color = wantsColor(context.stderr, context.env);
      // discardStdin: false — a raw-mode stdin would take Ctrl-C away from the shell jit is about to start.
      spinner = ora({ text, stream: context.stderr as NodeJS.WritableStream, isEnabled: true, discardStdin: false, color: color ? 'yellow' : false, ...(color ? {} : { spinner: 'line' }) }).start();
    });
  }, SHOW_AFTER_MS);
  try {
    return await work;
  } finally {
    done = true;
    clearTimeout(timer);
    spinner?.stop();
  }
}
