// `jit prompt SHELL`: the prompt segment's shell code, for the user's rc file.
import { parseShellName, shippedShellFile } from '../../shell/shells.js';
import type { Context } from '../context.js';

export default async function prompt(options: { args: string[] }, context: Context): Promise<number> {
  context.stdout.write(shippedShellFile(`prompt.${parseShellName(options.args[0], 'prompt')}`));
  return 0;
}
