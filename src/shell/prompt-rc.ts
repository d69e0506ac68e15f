// Start-up files that make the `jit elevate` subshell show the prompt segment: a temporary rcfile
// for bash, a temporary ZDOTDIR for zsh, an init command for fish. Each first runs the user's own
// start-up files, so their shell is theirs, with the segment added. Removed when the session ends.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shippedShellFile, type ShellName } from './shells.js';

export interface ShellStartup {
  args: string[];
  env: Record<string, string>;
  remove(): void;
}

/** Quotes a value for bash, zsh and fish alike: single quotes, with embedded ones closed and escaped. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A private directory for the files: 0700 from mkdtemp, files 0600; in XDG_RUNTIME_DIR when there is one. */
function privateScratch(env: Record<string, string | undefined>): string {
  return mkdtempSync(join(env.XDG_RUNTIME_DIR || tmpdir(), 'jit-shell-'));
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  // SECURITY: 'wx' never follows or replaces something already there; 0600 keeps it ours.
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  return path;
}

export function prepareShellStartup(shell: ShellName, env: Record<string, string | undefined>): ShellStartup {
  const dir = privateScratch(env);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const home = env.HOME ?? '';
  const segment = shippedShellFile(`prompt.${shell}`);
  try {
    switch (shell) {
      case 'bash': {
        const rcfile = write(dir, 'bashrc', `[ -f ~/.bashrc ] && . ~/.bashrc\n${segment}\n__jit_prompt_install --ps1\n`);
        return { args: ['--rcfile', rcfile, '-i'], env: {}, remove };
      }
      case 'zsh': {
        // zsh reads .zshenv and .zshrc from ZDOTDIR: ours source the user's, and hand ZDOTDIR back to them.
        const userDir = quote(env.ZDOTDIR || home);
        write(dir, '.zshenv', `ZDOTDIR=${userDir}\n[[ -f $ZDOTDIR/.zshenv ]] && source $ZDOTDIR/.zshenv\n__jit_user_zdotdir=$ZDOTDIR\nZDOTDIR=${quote(dir)}\n`);
        write(dir, '.zshrc', `ZDOTDIR=$__jit_user_zdotdir\nunset __jit_user_zdotdir\n[[ -f $ZDOTDIR/.zshrc ]] && source $ZDOTDIR/.zshrc\n${segment}\n__jit_prompt_install --ps1\n`);
        return { args: ['-i'], env: { ZDOTDIR: dir }, remove };
      }
      case 'fish': {
        // fish runs --init-command after the user's config.fish.
        const file = write(dir, 'prompt.fish', segment);
        return { args: ['--interactive', '--init-command', `source ${quote(file)}; __jit_prompt_install`], env: {}, remove };
      }
    }
  } catch (error) {
    remove();
    throw error;
  }
}
