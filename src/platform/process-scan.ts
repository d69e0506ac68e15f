// Finds processes by what their environment holds, from /proc: how a session's stray processes are
// found where no cgroup can contain them. A process sees its initial environment here, which is where
// the session put JIT_SESSION and the credential.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of this user's other processes whose environment has `entry` (NAME=value), or any of `values`. */
export function processesWithEnvironment(entry: string, values: readonly string[] = []): number[] {
  // Short values could match by chance; credentials are long.
  const secrets = new Set(values.filter((value) => value.length >= 12));
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name));
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // another user's, or gone
    }
    for (const item of environ.split('\0')) {
      if (item === entry || (secrets.size && secrets.has(item.slice(item.indexOf('=') + 1)))) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}
