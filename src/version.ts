// Replaced at build time by scripts/build.mjs from package.json.
declare const __JIT_VERSION__: string;
export const VERSION: string = typeof __JIT_VERSION__ === 'string' ? __JIT_VERSION__ : '0.0.0-dev';
