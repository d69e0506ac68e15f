// The benchmarks run on Node alone (its type stripping), not under vitest: what they import from the
// test support must load there too, or `npm run bench:broker` breaks while every test passes.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('bench scripts', () => {
  it.each(['bench/served-broker.mjs'])('%s loads on Node without vitest', (script) => {
    const loaded = spawnSync(process.execPath, ['--input-type=module', '-e', `await import('./${script}'); console.log('loaded')`], { encoding: 'utf8', timeout: 30_000 });
    expect(loaded.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(loaded.stdout.trim()).toBe('loaded');
  });
});
