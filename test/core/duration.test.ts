import { describe, expect, it } from 'vitest';
import { formatDuration, formatTimeLeft, parseDuration } from '../../src/core/duration.js';
import { ExitCode, JitError } from '../../src/core/errors.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h30m', 5400],
    ['2h', 7200],
    ['1h0m5s', 3605],
    ['168h', 604800],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '0', '0s', '0m0s', '-5m', '10000h', '169h', '1.5h', '15', 'm', '1d', ' 5m', '5m ', '1h 30m', '1s1m', '９０s'])(
    'rejects %j as a usage error (exit 64) that says how to write one',
    (text) => {
      let error: unknown;
      try {
        parseDuration(text, '--ttl');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(JitError);
      expect((error as JitError).exitCode).toBe(ExitCode.usage);
      expect((error as JitError).message).toContain('--ttl');
    },
  );
});

describe('formatDuration and formatTimeLeft', () => {
  it.each([
    [5400, '1h30m'],
    [900, '15m'],
    [45, '45s'],
    [0, '0s'],
  ])('formats %i as %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));

  it.each([
    [1500, '25m'],
    [1559, '25m'],
    [60, '1m'],
    [45, '45s'],
    [0, 'expired'],
    [-3, 'expired'],
  ])('shows %i seconds left as %s (whole minutes, seconds under a minute)', (seconds, text) => expect(formatTimeLeft(seconds)).toBe(text));
});
