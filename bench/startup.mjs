#!/usr/bin/env node
// Start-up and wrap cost of jit, as ratios to baselines measured in the same run.
//
//   scripts/private-keyring.sh keyctl session - npm run bench
//   node bench/startup.mjs --runs 40 --json
//
// Needs a Secret Service (scripts/private-keyring.sh gives a throwaway one) and, for the kernel keyring
// case, a session keyring this process possesses (`keyctl session -`). jit runs through its own shebang,
// as a user's does (sh, then Node), with this Node first on PATH.
//
// Commands run interleaved (a, b, c, a, b, c, …) so drift in machine load hits each alike;
// the figure reported is the median wall time of each. These are measurements, not tests.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, json: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const jit = resolve('bin/jit.js');
const home = mkdtempSync(join(tmpdir(), 'jit-bench-'));
// A private HOME so the benchmark uses its own state and compile cache, not the developer's.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: home, XDG_CONFIG_HOME: join(home, 'c'), XDG_STATE_HOME: join(home, 's'), XDG_CACHE_HOME: join(home, 'k'), NO_COLOR: '1' };
delete env.JIT_SESSION;
// A second home whose config.yaml puts credentials in the kernel keyring.
const kernel = { ...env, XDG_CONFIG_HOME: join(home, 'c2'), XDG_STATE_HOME: join(home, 's2') };
mkdirSync(join(home, 'c2', 'jit'), { recursive: true, mode: 0o700 });
writeFileSync(join(home, 'c2', 'jit', 'config.yaml'), 'keychain: keyutils\n', { mode: 0o600 });

const cases = [
  { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  { name: 'true', argv: ['true'] },
  { name: 'jit --version', argv: [jit, '--version'], baseline: 'node -e 0', target: 2 },
  { name: 'jit status --prompt', argv: [jit, 'status', '--prompt'], baseline: 'node -e 0', target: 2 },
  { name: 'jit --help', argv: [jit, '--help'], baseline: 'node -e 0' },
  { name: 'jit status', argv: [jit, 'status'], baseline: 'node -e 0' },
  { name: 'jit exec -- true (Secret Service)', argv: [jit, 'exec', '--ticket', 'DEMO-1', '--role', 'demo', '--', 'true'], baseline: 'node -e 0', target: 3 },
  { name: 'jit exec -- true (kernel keyring)', argv: [jit, 'exec', '--ticket', 'DEMO-1', '--role', 'demo', '--', 'true'], env: kernel, baseline: 'node -e 0', target: 2 },
];

function once(argv, caseEnv = env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { env: caseEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

for (const c of cases) once(c.argv, c.env); // warm the compile cache and the state database
const samples = new Map(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs; i++) for (const c of cases) samples.get(c.name).push(once(c.argv, c.env));
rmSync(home, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = cases.map((c) => {
  const ms = median(samples.get(c.name));
  const ratio = c.baseline ? ms / median(samples.get(c.baseline)) : undefined;
  return { name: c.name, medianMs: Number(ms.toFixed(1)), ratio: ratio && Number(ratio.toFixed(2)), target: c.target, met: c.target ? ratio <= c.target : undefined };
});
if (values.json) console.log(JSON.stringify({ runs, node: process.version, rows }, null, 2));
else {
  console.log(`${runs} interleaved runs each, median wall time, node ${process.version}`);
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× node -e 0`;
    const target = r.target ? `  (target ≤ ${r.target}×: ${r.met ? 'met' : 'NOT met'})` : '';
    console.log(`${r.name.padEnd(36)} ${r.medianMs.toFixed(1).padStart(7)} ms  ${ratio}${target}`);
  }
}
