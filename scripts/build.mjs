// Bundles src/ into dist/ as ESM chunks: main.js stays small and each command is
// loaded only when it runs, so `jit --version` and `jit status --prompt` start fast.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';

const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Dependencies are bundled too: one file per chunk loads far faster than a package's many files.
  // The keyring stays external: it is a native addon. pg-native is pg's optional libpq binding, never used.
  external: ['@napi-rs/keyring', 'pg-native'],
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __JIT_VERSION__: JSON.stringify(version) },
  // CommonJS dependencies (commander) call require(); an ESM bundle has to provide one.
  banner: { js: "import { createRequire as __jitCreateRequire } from 'node:module'; const require = __jitCreateRequire(import.meta.url);" },
});
