// util-linux setpriv, where there is one: how jit gives a process it starts a parent-death signal.
import { existsSync } from 'node:fs';

export const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => process.platform === 'linux' && existsSync(path));

/** The command line that runs `file args` with `signal` sent to it when jit dies (as is, without setpriv). */
export function withParentDeathSignal(signal: 'HUP' | 'KILL', file: string, args: string[]): [string, string[]] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', signal, '--', file, ...args]] : [file, args];
}
