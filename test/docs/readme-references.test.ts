// The files `jit init` writes point at README sections for their reference: those sections exist.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultConfigYaml } from '../../src/backends/config.js';
import { defaultPolicyYaml } from '../../src/broker/policy/default.js';

const headings = readFileSync('README.md', 'utf8').split('\n').filter((line) => /^#{2,4} /.test(line)).map((line) => line.replace(/^#+ /, ''));

describe('README references in generated files', () => {
  it.each([
    ['config.yaml', defaultConfigYaml],
    ['policy.yaml', defaultPolicyYaml],
  ])('%s names a README section that exists', (_file, text) => {
    const references = [...text.matchAll(/README\.md, "([^"]+)"/g)].map((match) => match[1]);
    expect(references.length).toBeGreaterThan(0);
    for (const section of references) expect(headings).toContain(section);
  });
});
