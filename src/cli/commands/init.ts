// `jit init`: writes the default policy as an editable file.
import { join } from 'node:path';
import { defaultPolicyYaml } from '../../broker/policy/default.js';
import { POLICY_FILE } from '../../broker/policy/load.js';
import { ensurePrivateDir, writePrivateFile } from '../../platform/paths.js';
import type { Context } from '../context.js';

export default async function init(options: { force?: boolean }, context: Context): Promise<number> {
  const dir = ensurePrivateDir(context.paths.configDir);
  const path = join(dir, POLICY_FILE);
  writePrivateFile(path, defaultPolicyYaml, { exclusive: !options.force });
  context.stdout.write(`Wrote ${path}\nEdit it, then check it with: jit roles\n`);
  return 0;
}
