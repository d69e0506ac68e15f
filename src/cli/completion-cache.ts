// The file completions read on Tab: the roles you may request and your live grant ids, one per line
// ("role demo", "grant g_…"). Rewritten after any command that opened the backend, only when it changed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backends/backend.js';
import { COMPLETION_CACHE_FILE, writePrivateFile } from '../platform/paths.js';

export async function refreshCompletionCache(backend: Backend, stateDir: string): Promise<void> {
  const roles = (await backend.roles()).filter((role) => role.mayRequest).map((role) => `role ${role.name}`);
  const grants = (await backend.grants({ live: true })).map((grant) => `grant ${grant.id}`);
  // Role names and grant ids are validated ([a-z0-9_-], g_[0-9a-z]): nothing here a shell could misread.
  const text = [...roles, ...grants].map((line) => `${line}\n`).join('');
  const path = join(stateDir, COMPLETION_CACHE_FILE);
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) writePrivateFile(path, text);
}
