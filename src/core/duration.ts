// Durations as the command line and policy write them: 90s, 15m, 1h30m.
import { JitError, displayValue } from './errors.js';

/** Nothing in jit lives longer than a week; anything longer is a typo, not a request. */
export const MAX_DURATION_SECONDS = 7 * 24 * 3600;

const pattern = /^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/;

/** Parses a duration into whole seconds; zero, negative, malformed or absurd values are usage errors. */
export function parseDuration(text: string, flag = 'duration'): number {
  const match = pattern.exec(text);
  if (text === '' || match === null) {
    throw new JitError('usage', `${flag} ${displayValue(text)} is not a duration`, {
      hint: 'write it like 90s, 15m or 1h30m',
    });
  }
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  const total = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  if (total <= 0) {
    throw new JitError('usage', `${flag} must be longer than zero`, { hint: 'write it like 90s, 15m or 1h30m' });
  }
  if (total > MAX_DURATION_SECONDS) {
    throw new JitError('usage', `${flag} ${displayValue(text)} is longer than jit allows (${formatDuration(MAX_DURATION_SECONDS)})`, {
      hint: 'ask for what the task needs; extend later with a fresh decision',
    });
  }
  return total;
}

/** Formats seconds compactly: 1h30m, 15m, 45s, 2h. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const parts = [hours ? `${hours}h` : '', minutes ? `${minutes}m` : '', seconds ? `${seconds}s` : ''].join('');
  return parts === '' ? '0s' : parts;
}

/** Time left as the prompt shows it: whole minutes, seconds under a minute, `expired` after. */
export function formatTimeLeft(secondsLeft: number): string {
  if (secondsLeft <= 0) return 'expired';
  if (secondsLeft < 60) return `${Math.floor(secondsLeft)}s`;
  return `${Math.floor(secondsLeft / 60)}m`;
}
