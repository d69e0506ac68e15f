// Which processes hold a file open, read from /proc: for an error that says who holds a lock.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

export interface Holder {
  pid: number;
  /** The program and its first arguments, shortened; never used for decisions. */
  command: string;
}

function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // `node --flags …/bin/jit.js exec …` reads best as `jit exec`.
    const script = argv.findIndex((arg) => /(^|\/)jit(\.js)?$/.test(arg));
    const shown = script >= 0 ? ['jit', ...argv.slice(script + 1, script + 2)] : [basename(argv[0] ?? '?'), ...argv.slice(1, 2)];
    return shown.join(' ').slice(0, 60);
  } catch {
    return '?';
  }
}

/** Other processes (of those this user may inspect) with any of these paths open; empty off Linux. */
export function processesHolding(paths: readonly string[]): Holder[] {
  const wanted = new Set(paths);
  const holders: Holder[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name));
  } catch {
    return [];
  }
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    if (fds.some((fd) => {
      try {
        return wanted.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    })) holders.push({ pid, command: commandOf(pid) });
  }
  return holders;
}
