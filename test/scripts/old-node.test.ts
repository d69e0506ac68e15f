// Started by a Node below the floor, jit says which Node it needs in one line and exits 69: never a
// SyntaxError, never Node's own "bad option" for the flags jit starts it with.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JIT_BIN } from '../support/jit.js';

const systemNode = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim();
const tooOld = systemNode !== undefined && systemNode !== '' && Number(systemNode.split('.')[0]) < 22;

describe('bin/jit.js on a Node that is too old', () => {
  const cases: [string, string[]][] = [['through its shebang', [JIT_BIN]], ['as node bin/jit.js', ['/usr/bin/node', JIT_BIN]]];
  for (const [how, argv] of cases) it(`${how}: one clear line, exit 69`, (context) => {
    if (!tooOld) return context.skip(`the system Node here is ${systemNode || 'absent'}, not one below the floor`);
    const home = mkdtempSync(join(tmpdir(), 'jit-old-node-'));
    try {
      const [file, ...args] = argv;
      const result = spawnSync(file!, [...args, '--version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: home } });
      expect(result.status).toBe(69);
      expect(result.stderr).toMatch(new RegExp(`^jit: Node.js ${systemNode!.replace(/\./g, '\\.')} .* is too old; jit needs Node.js 22.19 or newer\n  → `));
      expect(result.stderr).not.toMatch(/bad option|SyntaxError/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
