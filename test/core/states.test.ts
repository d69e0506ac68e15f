import { describe, expect, it } from 'vitest';
import { ExitCode, JitError, type ErrorCode } from '../../src/core/errors.js';
import { assertGrantTransition, assertRevocationTransition, isLive } from '../../src/core/states.js';

describe('lifecycles (DESIGN.md, Grant lifecycle)', () => {
  it('allows the documented transitions', () => {
    assertGrantTransition('issuing', 'active');
    assertGrantTransition('active', 'revoked');
    assertGrantTransition('active', 'expired');
    assertRevocationTransition('pending', 'verified');
    assertRevocationTransition('failed', 'irrevocable');
  });

  it.each([
    () => assertGrantTransition('revoked', 'active'),
    () => assertGrantTransition('expired', 'revoked'),
    () => assertGrantTransition('issuing', 'expired'),
    () => assertRevocationTransition('verified', 'failed'),
    () => assertRevocationTransition('irrevocable', 'verified'),
  ])('refuses a transition the lifecycle does not have (%#)', (transition) => {
    expect(transition).toThrow(JitError);
  });

  it('counts issuing and active grants as live', () => {
    expect(isLive('issuing')).toBe(true);
    expect(isLive('active')).toBe(true);
    expect(isLive('revoked')).toBe(false);
    expect(isLive('expired')).toBe(false);
  });
});

describe('exit codes (DESIGN.md, Exit codes)', () => {
  it.each<[ErrorCode, number]>([
    ['usage', 64],
    ['ticket_rejected', 65],
    ['unavailable', 69],
    ['internal', 70],
    ['keychain', 71],
    ['os', 71],
    ['pending', 75],
    ['session_ended', 75],
    ['denied', 77],
    ['config', 78],
    ['cannot_execute', 126],
    ['not_found', 127],
  ])('%s exits %i', (code, exit) => {
    expect(new JitError(code, 'x').exitCode).toBe(exit);
  });

  it('keeps the sysexits table (and the shells\' 126 and 127 for a program that cannot start, 130, 128 + SIGINT, for Ctrl-C at a question)', () => {
    expect(ExitCode).toEqual({ ok: 0, checkFailed: 1, usage: 64, ticketRejected: 65, unavailable: 69, internal: 70, os: 71, temporary: 75, denied: 77, config: 78, cannotExecute: 126, notFound: 127, cancelled: 130 });
  });
});
