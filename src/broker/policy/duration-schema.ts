// A duration as policy files write it (90s, 15m, 1h30m), validated and read as seconds.
import { z } from 'zod';
import { MAX_DURATION_SECONDS, parseDuration } from '../../core/duration.js';

export const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: `must be a duration like 90s, 15m or 1h30m, at most ${MAX_DURATION_SECONDS / 3600}h` });
    return z.NEVER;
  }
});
