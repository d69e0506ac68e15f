// The calls a shell makes at every prompt and start (`--version`, `status --prompt`) load only the
// entry chunk and what it imports statically: nothing heavy may creep into that graph.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every file dist/main.js loads before it runs: its static imports, transitively (not `import()`). */
function staticGraph(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const text = readFileSync(file, 'utf8');
    files.set(file, text);
    for (const [, spec] of text.matchAll(/^import\s*(?:[^'"()]*?\sfrom\s*)?["'](\.[^"']+)["'];?/gm)) visit(join(dirname(file), spec!));
  };
  visit(entry);
  return files;
}

describe('start-up', () => {
  it('the fast paths load neither the regular expression engine (re2js) nor the YAML parser', () => {
    const graph = staticGraph(resolve('dist/main.js'));
    expect(graph.size).toBeGreaterThan(0);
    for (const [file, text] of graph) {
      expect(text, file).not.toContain('RE2JSSyntaxException');
      expect(text, file).not.toContain('LineCounter');
    }
  });

  it('both are in the bundle, so the check above looks for markers that exist', () => {
    const chunks = readdirSync(resolve('dist')).filter((name) => name.endsWith('.js')).map((name) => readFileSync(resolve('dist', name), 'utf8'));
    expect(chunks.some((text) => text.includes('RE2JSSyntaxException'))).toBe(true);
    expect(chunks.some((text) => text.includes('LineCounter'))).toBe(true);
  });
});
