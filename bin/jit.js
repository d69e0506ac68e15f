#!/bin/sh
':' //; trap '' USR1; ulimit -c 0 2>/dev/null; ulimit -Hc 0 2>/dev/null; if [ -z "$JIT_NODE" ]; then JIT_NODE=$(command -v node) || { echo 'jit: no Node.js on PATH' >&2; echo '  → run scripts/setup.sh, or set JIT_NODE to a Node.js 22.19 or newer' >&2; exit 69; }; c=${XDG_CACHE_HOME:-$HOME/.cache}/jit/node-checked; if ! [ "$c" -ef "$JIT_NODE" ]; then "$JIT_NODE" --disable-sigusr1 -e 0 >/dev/null 2>&1 || exec "$JIT_NODE" "$0" "$@"; mkdir -p "${c%/*}" 2>/dev/null && ln -sfn "$JIT_NODE" "$c" 2>/dev/null; fi; fi; exec "$JIT_NODE" --disable-sigusr1 "$0" "$@"
// The line above is read by /bin/sh and is a comment to Node. Before Node starts, it ignores SIGUSR1
// (an ignored signal stays ignored across exec, until jit's own handler takes over), turns core
// dumps off (a dump of jit, or of the session it supervises, would hold the credential) and starts
// Node with --disable-sigusr1 (by default SIGUSR1 opens an unauthenticated debugger on
// 127.0.0.1:9229). JIT_NODE names the Node to use; the launcher `scripts/setup.sh` installs sets it.
// Without it, the `node` on PATH is tried once with that flag (an older Node refuses the flag before
// running anything) and remembered as a link in the cache dir, compared by inode, so later starts run
// no extra process; a Node that refuses it runs this file without the flag, to say it is too old.
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

// SECURITY: for the whole life of the process SIGUSR1 is ignored, even when this file is started as
// `node bin/jit.js` without the flag: no debugger, and no death by a signal nobody should send us.
process.on('SIGUSR1', () => {});

const FLOOR = [22, 19];
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < FLOOR[0] || (major === FLOOR[0] && minor < FLOOR[1])) {
  process.stderr.write(
    `jit: Node.js ${process.versions.node} (${process.execPath}) is too old; jit needs Node.js ${FLOOR.join('.')} or newer\n` +
      '  → run scripts/setup.sh, which installs a `jit` launcher with a Node that is new enough, or set JIT_NODE to one\n',
  );
  process.exit(69);
}

try {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  nodeModule.enableCompileCache?.(join(cacheHome, 'jit', 'compile-cache'));
} catch {
  // A cache is an optimisation only; start without it.
}
await import('../dist/main.js');
