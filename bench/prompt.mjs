#!/usr/bin/env node
// What drawing a prompt costs with jit's segment, in µs per prompt, beside alternatives measured
// in the same run and the same shell:
//   jit segment      the pre-prompt hook that sets $jit_prompt (what `jit elevate` and the README use)
//   one fork         the same segment through $(jit_prompt_info): one subshell per prompt
//   __git_ps1        git's own prompt helper, inside a git work tree (forks git)
//   status --prompt  `jit status --prompt`: a whole node process, for tools that can only run commands
//
//   node bench/prompt.mjs [--calls 2000]
// Timing is the shell's own clock (EPOCHREALTIME) around a loop, so process start-up is not counted
// except where the variant itself starts processes. Measurements, not tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, json: { type: 'boolean', default: false } } });
const calls = Number(values.calls);
const segment = (shell) => resolve(`completions/prompt.${shell}`);
const gitPrompt = '/usr/lib/git-core/git-sh-prompt';
const jit = resolve('bin/jit.js');
const work = mkdtempSync(join(tmpdir(), 'jit-bench-prompt-'));
spawnSync('git', ['init', '-q', work]);
const env = {
  PATH: process.env.PATH, HOME: work, LANG: 'C.UTF-8', NO_COLOR: '1',
  JIT_SESSION: 'g_0123456789abcdefghijklmnop', JIT_ROLE: 'prod-db-admin', JIT_TICKET: 'OPS-123', JIT_EXPIRES_AT: String(Math.floor(Date.now() / 1000) + 1500),
};

// Each body runs `n` times between two readings of the shell's clock; prints µs per call.
const shells = {
  bash: {
    args: (setup, body, n) => ['bash', ['--norc', '--noprofile', '-c', `${setup}; s=$EPOCHREALTIME; for ((i = 0; i < ${n}; i++)); do ${body}; done; e=$EPOCHREALTIME; echo $(( (\${e/./} - \${s/./}) / ${n} ))`]],
    variants: {
      'jit segment': [`source ${segment('bash')}`, '__jit_prompt_precmd'],
      'one fork': [`source ${segment('bash')}`, 'x=$(jit_prompt_info)'],
      __git_ps1: [`source ${gitPrompt}`, 'x=$(__git_ps1 " (%s)")'],
    },
  },
  zsh: {
    args: (setup, body, n) => ['zsh', ['-f', '-c', `zmodload zsh/datetime; ${setup}; s=$EPOCHREALTIME; repeat ${n} { ${body} }; e=$EPOCHREALTIME; print $(( (e - s) * 1e6 / ${n} ))`]],
    variants: {
      'jit segment': [`source ${segment('zsh')}`, '__jit_prompt_precmd'],
      'one fork': [`source ${segment('zsh')}`, 'x=$(jit_prompt_info)'],
      __git_ps1: [`source ${gitPrompt}`, 'x=$(__git_ps1 " (%s)")'],
    },
  },
};

// Five interleaved rounds; the median of each variant is reported, so a passing hiccup does not.
const ROUNDS = 5;
const samples = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const [shell, { args, variants }] of Object.entries(shells)) {
    for (const [name, [setup, body]] of Object.entries(variants)) {
      if (name === '__git_ps1' && !existsSync(gitPrompt)) continue;
      // Forking variants are ~1000× slower: fewer calls keep the run short without changing the per-call figure.
      const n = name === 'jit segment' ? calls : Math.max(50, Math.floor(calls / 20));
      const [command, argv] = args(setup, body, n);
      const result = spawnSync(command, argv, { cwd: work, env, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${shell} ${name}: ${result.stderr}`);
      const key = `${shell}\t${name}\t${n}`;
      samples.set(key, [...(samples.get(key) ?? []), Number(result.stdout.trim())]);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [...samples].map(([key, xs]) => {
  const [shell, name, n] = key.split('\t');
  return { shell, name, calls: Number(n), microseconds: Math.round(median(xs)) };
});
// `jit status --prompt` is a whole process whatever the shell: timed from outside.
const statusRuns = 20;
const started = process.hrtime.bigint();
for (let i = 0; i < statusRuns; i++) spawnSync(process.execPath, [jit, 'status', '--prompt'], { env });
rows.push({ shell: 'any', name: 'jit status --prompt', calls: statusRuns, microseconds: Math.round(Number(process.hrtime.bigint() - started) / 1000 / statusRuns) });
rmSync(work, { recursive: true, force: true });

if (values.json) console.log(JSON.stringify({ rows }, null, 2));
else {
  const base = Object.fromEntries(rows.filter((r) => r.name === 'jit segment').map((r) => [r.shell, r.microseconds]));
  console.log(`µs per prompt (lower is better), median of ${ROUNDS} interleaved rounds, same run`);
  for (const r of rows) {
    const ratio = base[r.shell] ? `  ${(r.microseconds / base[r.shell]).toFixed(0)}× the segment` : '';
    console.log(`${r.shell.padEnd(5)} ${r.name.padEnd(20)} ${String(r.microseconds).padStart(8)} µs${r.name === 'jit segment' ? '' : ratio}`);
  }
}
