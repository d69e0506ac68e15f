// Node 22 warns that node:sqlite is experimental on every command that opens the store; jit drops
// exactly that warning and lets every other one through.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { silenceSqliteExperimentalWarning } from '../../src/platform/node-warnings.js';

function emitted(...warnings: [string | Error, unknown?][]): unknown[][] {
  const seen: unknown[][] = [];
  const target = { emitWarning: (...args: unknown[]) => void seen.push(args) };
  silenceSqliteExperimentalWarning(target);
  for (const [warning, type] of warnings) target.emitWarning(warning, type);
  return seen;
}

describe('silenceSqliteExperimentalWarning', () => {
  it('drops the SQLite ExperimentalWarning, as a string with a type, with options, or as an Error', () => {
    const error = Object.assign(new Error('SQLite is an experimental feature and might change at any time'), { name: 'ExperimentalWarning' });
    expect(emitted(
      ['SQLite is an experimental feature and might change at any time', 'ExperimentalWarning'],
      ['SQLite is an experimental feature and might change at any time', { type: 'ExperimentalWarning' }],
      [error],
    )).toEqual([]);
  });

  it('lets every other warning through unchanged', () => {
    expect(emitted(
      ['WASI is an experimental feature and might change at any time', 'ExperimentalWarning'],
      ['SQLite is an experimental feature and might change at any time', 'DeprecationWarning'],
      ['Possible EventEmitter memory leak detected', undefined],
    )).toEqual([
      ['WASI is an experimental feature and might change at any time', 'ExperimentalWarning'],
      ['SQLite is an experimental feature and might change at any time', 'DeprecationWarning'],
      ['Possible EventEmitter memory leak detected', undefined],
    ]);
  });

  it('silences what this Node really emits when node:sqlite loads, and nothing else', () => {
    const script = `
      const { silenceSqliteExperimentalWarning } = await import(${JSON.stringify(new URL('../../src/platform/node-warnings.ts', import.meta.url).href)});
      silenceSqliteExperimentalWarning();
      await import('node:sqlite');
      process.emitWarning('still shown', 'ExperimentalWarning');`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('ExperimentalWarning: still shown');
    expect(result.stderr).not.toContain('SQLite');
  });
});
