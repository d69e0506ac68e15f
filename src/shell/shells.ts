// The shells jit integrates with, and the shell code it ships in completions/ for them.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { JitError, displayValue } from '../core/errors.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type ShellName = (typeof SHELLS)[number];

export function parseShellName(value: string | undefined, command: string): ShellName {
  if (value !== undefined && (SHELLS as readonly string[]).includes(value)) return value as ShellName;
  throw new JitError('usage', value === undefined ? `jit ${command} needs a shell` : `unknown shell ${displayValue(value)}`, {
    hint: `name one of ${SHELLS.join(', ')}: jit ${command} bash`,
  });
}

/** Which of our shells a path runs (`/usr/bin/zsh` → zsh), judged by its name; undefined for any other. */
export function shellOfPath(path: string): ShellName | undefined {
  const name = basename(path);
  return (SHELLS as readonly string[]).includes(name) ? (name as ShellName) : undefined;
}

/** A file from completions/, which ships beside dist/ (the bundle lives in dist/, one level down). */
export function shippedShellFile(name: string): string {
  return readFileSync(new URL(`../completions/${name}`, import.meta.url), 'utf8');
}
