// A ticket pattern as a policy writes it: anchored, bounded, and one RE2 accepts (linear time).
import { z } from 'zod';
import { UNSAFE_TEXT } from '../../core/errors.js';
import { compileTicketPattern } from '../../core/ticket-pattern.js';

/** Ticket ids are at most 64 characters; a pattern far longer than that is a mistake. */
const MAX_PATTERN_LENGTH = 256;

export const anchoredPattern = z.string().superRefine((source, ctx) => {
  if (source.length > MAX_PATTERN_LENGTH || !source.startsWith('^') || !source.endsWith('$')) {
    ctx.addIssue({ code: 'custom', message: `must be a valid regular expression anchored with ^ and $, at most ${MAX_PATTERN_LENGTH} characters` });
    return;
  }
  try {
    // Compiled here once, on RE2, for every later ticket check (validateTicketId).
    compileTicketPattern(source);
  } catch (error) {
    // RE2's message quotes the pattern; a control character in it is shown as ?.
    const reason = (error as Error).message.replace(new RegExp(UNSAFE_TEXT.source, 'g'), '?');
    ctx.addIssue({ code: 'custom', message: `must be a regular expression RE2 accepts (no backreferences or lookaround): ${reason}` });
  }
});

