// Policy ticket patterns run on RE2 (re2js, a pure-JavaScript port): matching takes time linear in the
// ticket's length whatever the pattern, where JavaScript's backtracking engine needs hours for
// `^(a+)+$` and a 64-character ticket. RE2 has no backreferences or lookaround, so a pattern using them
// is refused when the policy is loaded. This module is only ever imported lazily: re2js costs ~10 ms
// of start-up, which commands that check no policy pattern should not pay.
import { RE2JS } from 're2js';
import { registerTicketPattern } from './identifiers.js';

/**
 * Compiles a policy's ticket pattern for validateTicketId; throws RE2's own error when RE2 refuses it.
 * The whole ticket must match, as if the pattern were anchored even where an alternation is not.
 */
export function compileTicketPattern(source: string): void {
  const compiled = RE2JS.compile(source);
  registerTicketPattern(source, (ticket) => compiled.testExact(ticket));
}
