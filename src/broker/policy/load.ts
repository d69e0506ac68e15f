// Finds the policy: the file in the config dir, or the built-in default when there is none.
import { join } from 'node:path';
import { readTrustedFile } from '../../platform/paths.js';
import { defaultPolicy } from './default.js';
import type { Policy } from './types.js';

export const POLICY_FILE = 'policy.yaml';

/** Far above any real policy (200 roles fit in a tenth of it); it bounds the work of reading one. */
const MAX_POLICY_BYTES = 256 * 1024;

export async function loadPolicy(configDir: string): Promise<Policy> {
  return (await readPolicyFile(join(configDir, POLICY_FILE))) ?? defaultPolicy;
}

/** The policy in `path`, validated; undefined when there is no such file. */
export async function readPolicyFile(path: string): Promise<Policy | undefined> {
  const text = readTrustedFile(path, MAX_POLICY_BYTES);
  if (text === undefined) return undefined;
  // Loaded only now: the YAML parser and schema cost ~25 ms of start-up the built-in default never needs.
  const { parsePolicy } = await import('./parse.js');
  return parsePolicy(text, path);
}
