// `jit completion SHELL`: completions for every command and flag, generated from the program itself.
import { renderBash } from '../../shell/completion/bash.js';
import { renderFish } from '../../shell/completion/fish.js';
import { describeProgram } from '../../shell/completion/spec.js';
import { renderZsh } from '../../shell/completion/zsh.js';
import { parseShellName } from '../../shell/shells.js';
import type { Context } from '../context.js';
import { buildProgram } from '../program.js';

const renderers = { bash: renderBash, zsh: renderZsh, fish: renderFish };

export default async function completion(options: { args: string[] }, context: Context): Promise<number> {
  const shell = parseShellName(options.args[0], 'completion');
  context.stdout.write(renderers[shell](describeProgram(buildProgram(context, () => {}))));
  return 0;
}
