#!/usr/bin/env node
// Enables Node's compile cache in a directory only this user owns, then hands over to the bundle.
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

try {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  enableCompileCache?.(join(cacheHome, 'jit', 'compile-cache'));
} catch {
  // A cache is an optimisation only; start without it.
}
await import('../dist/main.js');
