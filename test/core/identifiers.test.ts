import { describe, expect, it } from 'vitest';
import { ExitCode, JitError, displayValue } from '../../src/core/errors.js';
import { formatId } from '../../src/core/ids.js';
import { isGrantId, validateReason, validateRoleName, validateTicketId } from '../../src/core/identifiers.js';

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
    expect(validateTicketId('CHG0000001', '^CHG[0-9]{7}$')).toBe('CHG0000001');
    usageError(() => validateTicketId('OPS-1', '^CHG[0-9]{7}$'));
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

  it('displayValue quotes, escapes and shortens untrusted input', () => {
    expect(displayValue('a\u001b[31mb')).toBe('"a\\u001b[31mb"');
    expect(displayValue('x'.repeat(100))).toHaveLength(43);
  });
});
