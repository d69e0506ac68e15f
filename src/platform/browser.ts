// Opens an address in the operator's browser when there is one to open: a convenience, never
// required (the address is printed too), and never waited for.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The program that opens a browser here: $BROWSER, else xdg-open (open on macOS) if on PATH; undefined when none. */
export function browserCommand(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): string | undefined {
  // $BROWSER may list several programs, separated by colons: the first is tried.
  const chosen = env.BROWSER?.split(':')[0]?.trim();
  if (chosen) return chosen;
  const opener = platform === 'darwin' ? 'open' : 'xdg-open';
  return (env.PATH ?? '').split(':').some((dir) => dir !== '' && isExecutable(join(dir, opener))) ? opener : undefined;
}

/** Starts `command URL` on its own; a failure to start is silent, as the address is on screen anyway. */
export function openBrowser(command: string, url: string): void {
  // SECURITY: no shell: the URL is one argument, whatever it holds.
  const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}
