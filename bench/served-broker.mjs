// What the broker benchmarks share (not a benchmark itself): `jit serve` as a team runs it — the built
// binary in its own process, with a broker.yaml in a private directory, on a loopback port read back
// from its "broker serving" log line — in front of the real OpenID provider and the throwaway
// PostgreSQL the tests use. Those two helpers are test/support's own, loaded as TypeScript by Node's
// type stripping (on by default from Node 22.18), so benchmarks and tests measure the same set-up.
// The broker logs to a file in its directory, so the load generator spends nothing reading its logs.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { startOidcProvider } from '../test/support/oidc.ts';
import { startPostgres } from '../test/support/postgres.ts';

const AUDIENCE = 'https://jit.bench/broker';
/** The provider's client whose client-credentials tokens the benchmarks call the broker with. */
const CLIENT = 'bench';

/**
 * A served broker with `policy` and `store` ('sqlite' or 'postgres'), and a bearer token for it.
 * `profileDir`: the serve process writes a V8 CPU profile there when it stops (--cpu-prof).
 * `keep`: its directory (broker.yaml, serve.log, the SQLite store) is left for inspection.
 */
export async function startServedBroker({ jit = resolve('bin/jit.js'), policy, store = 'sqlite', profileDir, keep = false }) {
  const cleanups = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    const home = mkdtempSync(join(tmpdir(), 'jit-bench-broker-'));
    cleanups.push(() => (keep ? console.error(`kept ${home}`) : rmSync(home, { recursive: true, force: true })));
    // A token outlives any run, so every request is verified the same way (signature, claims) and none refreshes.
    const provider = await quietly(() => startOidcProvider({ audience: AUDIENCE, users: { [CLIENT]: [] }, accessTokenTtl: 3600 }));
    cleanups.push(() => provider.close());
    let postgres;
    if (store === 'postgres') {
      postgres = await startPostgres();
      cleanups.push(() => postgres.stop());
    }
    const dir = join(home, 'broker');
    mkdirSync(dir, { mode: 0o700 });
    const stateDir = join(dir, 'state');
    writeFileSync(join(dir, 'policy.yaml'), policy, { mode: 0o600 });
    const configPath = join(dir, 'broker.yaml');
    writeFileSync(
      configPath,
      [
        'listen: 127.0.0.1:0',
        `policy: ${join(dir, 'policy.yaml')}`,
        `stateDir: ${stateDir}`,
        `store: ${postgres ? postgres.url : 'sqlite'}`,
        'stopTimeout: 30s',
        // One operator makes every request here: its rate limit is lifted (the limiter still runs), since
        // what is measured is the broker's capacity for a whole team, not what one person may ask of it.
        'rateLimit: { perSecond: 100000, burst: 1000000 }',
        'oidc:',
        `  issuer: ${provider.issuer}`,
        `  audience: ${AUDIENCE}`,
        '  algorithms: [ES256]',
        `  clients: [${CLIENT}]`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const token = await quietly(() => provider.token(CLIENT));

    const logPath = join(dir, 'serve.log');
    const log = openSync(logPath, 'a', 0o600);
    const env = {
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_STATE_HOME: join(home, '.local', 'state'),
      XDG_CACHE_HOME: join(home, '.cache'),
      ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${resolve(profileDir)}` } : {}),
    };
    // bin/jit.js starts as sh and execs Node, so the child's pid is the broker's own.
    const child = spawn(jit, ['serve', '--config', configPath], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });

    const started = Date.now();
    let url;
    while (!url) {
      if (child.exitCode !== null) throw new Error(`jit serve exited with ${child.exitCode}: ${readFileSync(logPath, 'utf8')}`);
      if (Date.now() - started > 15_000) throw new Error(`jit serve did not log "broker serving" within 15 s: ${readFileSync(logPath, 'utf8')}`);
      const line = readFileSync(logPath, 'utf8').split('\n').find((text) => text.includes('"broker serving"'));
      url = line && JSON.parse(line).url;
      if (!url) await sleep(50);
    }

    let pgClient;
    return {
      url,
      pid: child.pid,
      token,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      logPath,
      /** Rows of a read-only query on the broker's store, as an auditor would run it. */
      async query(sql) {
        if (postgres) {
          if (!pgClient) {
            pgClient = new pg.Client({ connectionString: postgres.url });
            await pgClient.connect();
          }
          return (await pgClient.query(sql)).rows;
        }
        const db = new DatabaseSync(join(stateDir, 'jit.db'), { readOnly: true, timeout: 5000 });
        try {
          return db.prepare(sql).all();
        } finally {
          db.close();
        }
      },
      /**
       * The broker's own Prometheus series (`name{labels}` → value), read from /metrics as a scraper on
       * this host may; undefined from a build that serves none.
       */
      async metrics() {
        const response = await fetch(`${url}/metrics`);
        if (response.status !== 200) return undefined;
        const series = new Map();
        for (const line of (await response.text()).split('\n')) {
          const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
          if (match) series.set(match[1], Number(match[2]));
        }
        return series;
      },
      /** Log lines at pino's error level or above (a sweep that failed, an unexpected error). */
      errorLines: () => readFileSync(logPath, 'utf8').split('\n').filter((line) => /"level":(5|6)0/.test(line)),
      /** SIGTERM, as systemd stops it; resolves when it has finished what was in flight and exited. */
      async stop() {
        await pgClient?.end();
        child.kill('SIGTERM');
        // Unreferenced: a wait that lost the race must not keep this process alive.
        const outcome = await Promise.race([exited, sleep(45_000, undefined, { ref: false }).then(() => ({ code: null, signal: 'timeout' }))]);
        await cleanup();
        return outcome;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** oidc-provider warns on the console about its development defaults; they are no concern here. */
async function quietly(work) {
  const { warn, info } = console;
  console.warn = console.info = () => {};
  try {
    return await work();
  } finally {
    Object.assign(console, { warn, info });
  }
}

/** The process's resident set now and its peak so far (VmRSS, VmHWM), in MiB. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rssMiB: field('VmRSS'), hwmMiB: field('VmHWM') };
}

/** CPU time the process has used so far (user + system), in seconds. */
function cpuSeconds(pid) {
  // The fields after the command name (which may hold spaces and parentheses) from the state on: utime and stime are the 12th and 13th, in clock ticks.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

/**
 * Samples a process's memory every `ms` until stopped; `stop()` returns the largest VmRSS seen, VmHWM
 * then, and the share of one core it used meanwhile (1 = a core busy all along).
 */
export function sampleProcess(pid, ms = 200) {
  const started = { at: performance.now(), cpu: cpuSeconds(pid) };
  let maxRss = memory(pid).rssMiB;
  const timer = setInterval(() => {
    try {
      maxRss = Math.max(maxRss, memory(pid).rssMiB);
    } catch {
      // The process has gone; what was seen stands.
    }
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      const now = memory(pid);
      const cores = (cpuSeconds(pid) - started.cpu) / ((performance.now() - started.at) / 1000);
      return { maxRssMiB: round(Math.max(maxRss, now.rssMiB)), hwmMiB: round(now.hwmMiB), cpuCores: round(cores, 2) };
    },
  };
}

export const round = (value, digits = 1) => Number(value.toFixed(digits));
