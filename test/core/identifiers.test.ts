import { describe, expect, it } from 'vitest';
import { ExitCode, JitError, displayJson, displayText, displayValue } from '../../src/core/errors.js';
import { formatId } from '../../src/core/ids.js';
import { isGrantId, validateReason, validateRoleName, validateTicketId } from '../../src/core/identifiers.js';
import { compileTicketPattern } from '../../src/core/ticket-pattern.js';

function usageError(run: () => unknown): JitError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(JitError);
    expect((error as JitError).exitCode).toBe(ExitCode.usage);
    return error as JitError;
  }
  throw new Error('expected a usage error');
}

describe('ticket ids', () => {
  it.each(['OPS-123', 'DEMO-1', 'A_B2-99'])('accepts %s', (id) => expect(validateTicketId(id)).toBe(id));

  it.each([
    ["OPS-1'", 'quote'],
    ['OPS-1"; DROP TABLE grants;--', 'SQL'],
    ['OPS 1', 'space'],
    ['OPS-1 OR 1=1', 'OR'],
    ['ОPS-1', 'Cyrillic O'],
    ['OPS-١', 'Arabic digit'],
    ['ops-1', 'lower case'],
    ['OPS-0', 'issue zero'],
    ['OPS-1\n', 'newline'],
    ['OPS-1/../../x', 'path'],
    ['', 'empty'],
    [`OPS-${'1'.repeat(10_000)}`, '10 kB'],
  ])('rejects %j (%s) with a message that does not echo it whole', (id) => {
    const error = usageError(() => validateTicketId(id));
    expect(error.message.length).toBeLessThan(200);
    expect(error.hint).toContain('OPS-123');
  });

  it('applies the role pattern', () => {
    compileTicketPattern('^CHG[0-9]{7}$');
    expect(validateTicketId('CHG0000001', '^CHG[0-9]{7}$')).toBe('CHG0000001');
    usageError(() => validateTicketId('OPS-1', '^CHG[0-9]{7}$'));
  });

  it('matches the whole ticket, even when the pattern is only anchored at its ends (^A|B$)', () => {
    compileTicketPattern('^OPS-1|CHG-2$');
    expect(validateTicketId('OPS-1', '^OPS-1|CHG-2$')).toBe('OPS-1');
    usageError(() => validateTicketId('OPS-1X', '^OPS-1|CHG-2$'));
    usageError(() => validateTicketId('XCHG-2', '^OPS-1|CHG-2$'));
  });

  // JavaScript's backtracking engine needs ~2^n steps here: 43 s for 31 characters, ages for 64.
  it('a catastrophic policy pattern (^(a+)+$) accepts or refuses a 64-character ticket at once: it runs on RE2', { timeout: 30_000 }, () => {
    compileTicketPattern('^(a+)+$');
    expect(validateTicketId('a'.repeat(64), '^(a+)+$')).toBe('a'.repeat(64));
    usageError(() => validateTicketId(`${'a'.repeat(63)}!`, '^(a+)+$'));
  });

  it('a policy pattern that was never compiled is a bug (70), never run on the backtracking engine', () => {
    try {
      validateTicketId('aaaa', '^(b+)+$');
      throw new Error('expected an internal error');
    } catch (error) {
      expect((error as JitError).exitCode).toBe(ExitCode.internal);
    }
  });

  it.each([
    ['a backreference', '^(A)\\1-[0-9]+$'],
    ['a lookahead', '^(?=A)[A-Z]+-[0-9]+$'],
    ['a lookbehind', '^[A-Z]+(?<!X)-[0-9]+$'],
  ])('RE2 refuses %s in a policy pattern', (_name, pattern) => {
    expect(() => compileTicketPattern(pattern)).toThrow(/error parsing regexp/);
  });
});

describe('other ids', () => {
  it('role names are lower-case identifiers', () => {
    expect(validateRoleName('prod-db-admin')).toBe('prod-db-admin');
    usageError(() => validateRoleName('Prod'));
    usageError(() => validateRoleName('a b'));
  });

  it('grant ids are g_ and 26 base-36 characters from 128 random bits', () => {
    const id = formatId('g', new Uint8Array(16).fill(255));
    expect(id).toMatch(/^g_[0-9a-z]{26}$/);
    expect(isGrantId(id)).toBe(true);
    expect(isGrantId(formatId('g', new Uint8Array(16)))).toBe(true);
    expect(isGrantId('g_../../etc')).toBe(false);
  });

  it('reasons are one bounded line', () => {
    expect(validateReason('rotate keys')).toBe('rotate keys');
    usageError(() => validateReason('a\nforged: line'));
    usageError(() => validateReason('x'.repeat(501)));
  });

  it.each([
    ['C1 next line', '\u0085'],
    ['C1 control sequence introducer', '\u009b'],
    ['first C1', '\u0080'],
    ['last C1', '\u009f'],
    ['right-to-left override', '\u202e'],
    ['left-to-right embedding', '\u202a'],
    ['left-to-right isolate', '\u2066'],
    ['pop directional isolate', '\u2069'],
    ['left-to-right mark', '\u200e'],
    ['right-to-left mark', '\u200f'],
    ['Arabic letter mark', '\u061c'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
  ])('a reason with a %s is a usage error', (_name, char) => {
    const error = usageError(() => validateReason(`approved by ${char}bob`));
    expect(error.hint).toBeDefined();
  });

  it('a reason may hold any other printable text', () => {
    expect(validateReason('Änderung für Kunde — “urgent” 修正')).toBe('Änderung für Kunde — “urgent” 修正');
  });

  it('displayText escapes control and bidi characters (and the backslash), without quotes or cutting', () => {
    expect(displayText('alice')).toBe('alice');
    expect(displayText('a"b c')).toBe('a"b c');
    expect(displayText('a\u001b[31mb\nc\u0085d\u202ee\u2066f\u200eg\u061ch\u2028i\u007f')).toBe(
      'a\\u001b[31mb\\u000ac\\u0085d\\u202ee\\u2066f\\u200eg\\u061ch\\u2028i\\u007f',
    );
    expect(displayText('C:\\u0041')).toBe('C:\\\\u0041');
    expect(displayText('x'.repeat(100))).toHaveLength(100);
  });

  it('displayJson is JSON with no control or bidi character left raw', () => {
    const text = displayJson({ reason: 'a\u202eb\u009bc\u001bd' });
    expect(text).toBe('{"reason":"a\\u202eb\\u009bc\\u001bd"}');
    expect(JSON.parse(text)).toEqual({ reason: 'a\u202eb\u009bc\u001bd' });
  });

  it('displayValue escapes bidi controls too', () => {
    expect(displayValue('a\u202eb\u2067c')).toBe('"a\\u202eb\\u2067c"');
  });

  it('displayValue quotes, escapes and shortens untrusted input', () => {
    expect(displayValue('a\u001b[31mb')).toBe('"a\\u001b[31mb"');
    expect(displayValue('x'.repeat(100))).toHaveLength(43);
  });
});
