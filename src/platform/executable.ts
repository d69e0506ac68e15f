// Finds the program a session would start, before anything is requested: a missing or unusable
// program is the user's typo, and must not cost a grant, a credential and its revocation.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { JitError, displayValue } from '../core/errors.js';

function usable(path: string): 'ok' | 'missing' | 'not executable' {
  try {
    if (!statSync(path).isFile()) return 'not executable';
  } catch {
    return 'missing';
  }
  try {
    accessSync(path, constants.X_OK);
    return 'ok';
  } catch {
    return 'not executable';
  }
}

/**
 * Resolves `command` as execvp would for the child (a name with a slash as a path, else each PATH
 * directory in turn) and throws exit 127 (not found) or 126 (not executable), as shells do.
 */
export function assertCanStart(command: string, path: string | undefined): void {
  const shown = displayValue(command);
  if (command.includes('/')) {
    const state = usable(command);
    if (state === 'missing') throw new JitError('not_found', `could not start ${shown}: no such file`, { hint: 'check the path; nothing was requested' });
    if (state === 'not executable') throw new JitError('cannot_execute', `could not start ${shown}: not an executable file`, { hint: 'make it executable (chmod +x), or run it through its interpreter (-- sh FILE); nothing was requested' });
    return;
  }
  let found: 'missing' | 'not executable' = 'missing';
  // An empty PATH entry means the current directory, as for execvp.
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const state = usable(join(dir || '.', command));
    if (state === 'ok') return;
    if (state === 'not executable') found = 'not executable';
  }
  if (found === 'not executable') throw new JitError('cannot_execute', `could not start ${shown}: found on PATH, but not executable`, { hint: 'check its permissions; nothing was requested' });
  throw new JitError('not_found', `could not start ${shown}: not found on PATH`, { hint: 'check the name, or give its full path; nothing was requested' });
}
