// `jit init`: writes the default config and policy as editable files.
import { join } from 'node:path';
import { CONFIG_FILE, defaultConfigYaml } from '../../backends/config.js';
import { defaultPolicyYaml } from '../../broker/policy/default.js';
import { POLICY_FILE } from '../../broker/policy/load.js';
import { assertNoFile, ensurePrivateDir, writePrivateFile } from '../../platform/paths.js';
import type { Context } from '../context.js';
import type { InitOptions } from './define/setup.js';

export default async function init(options: InitOptions, context: Context): Promise<number> {
  const dir = ensurePrivateDir(context.paths.configDir);
  const files = [
    [join(dir, CONFIG_FILE), defaultConfigYaml],
    [join(dir, POLICY_FILE), defaultPolicyYaml],
  ] as const;
  // Checked before writing either, so a refusal leaves no half-initialised config behind.
  if (!options.force) for (const [path] of files) assertNoFile(path);
  for (const [path, text] of files) writePrivateFile(path, text);
  context.stdout.write(`Wrote ${files.map(([path]) => path).join(' and ')}\nEdit them, then check the policy with: jit roles\n`);
  return 0;
}
