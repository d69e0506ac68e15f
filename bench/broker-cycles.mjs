#!/usr/bin/env node
// Grant cycles per second through a served broker: each cycle is one request that the policy approves
// at once and the jwt issuer issues (POST /v1/grants), then its revocation (POST /v1/grants/ID/revoke,
// which returns once the revocation is verified). Run against `jit serve` — the built binary, in its own
// process, on loopback — with the SQLite store and with PostgreSQL, under autocannon's load.
//
//   npm run bench:broker                                   (builds first; both benchmarks)
//   node bench/broker-cycles.mjs [--store sqlite|postgres|both] [--connections 32] [--duration 10] [--warmup 3] [--json]
//   node bench/broker-cycles.mjs --store sqlite --profile /tmp/prof    (a V8 CPU profile of the serve process)
//   … --jit /path/to/bin/jit.js (another build)   … --keep (leave the broker's directory: its log and store)
//
// PostgreSQL is a throwaway cluster from Debian's package (test/support/postgres.ts; fsync off), run as
// the postgres user when this runs as root. The load generator, the broker and PostgreSQL share this
// machine's cores; the targets (≥ 1,000 cycles/s with SQLite, ≥ 500 with PostgreSQL) are for a 2-core one.
//
// Reported per store: cycles/s (revocations answered 200 in the timed run, over its length), each
// request's latency (p50, p99, max; both kinds of request together), errors (anything but 201 then
// 200, a revocation not verified, a failed connection: must be 0), and the serve process's memory
// during the timed run (the largest VmRSS sampled, and VmHWM) and the CPU it used (in cores: 1 is one
// core busy throughout; the broker's JavaScript runs on one thread), and, from the broker's /metrics,
// what it asked of its store per cycle (calls and mean time, by operation). The warm-up's cycles are not counted.
// These are measurements, not tests.
import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { round, sampleProcess, startServedBroker } from './served-broker.mjs';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'both' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    jit: { type: 'string' },
    profile: { type: 'string' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const stores = values.store === 'both' ? ['sqlite', 'postgres'] : [values.store];
const targets = { sqlite: 1000, postgres: 500 };

// Auto-approved (no approvals), issued by the broker itself; heartbeats are not part of a cycle, and
// the timeout is far beyond the run, so the dead man's switch ends nothing meanwhile.
const POLICY = `roles:
  bench:
    ttl: { default: 5m, max: 1h }
    requesters: ['*']
    issuer: { type: jwt }
    heartbeat: { interval: 5m, timeout: 10m }
`;
const REQUEST = JSON.stringify({ role: 'bench', ticket: 'BENCH-1', owner: { pid: 4242, startTime: null } });
const REVOKE = JSON.stringify({ reason: 'exit' });

/** One autocannon run of cycles; counts what came back as a cycle should, and what did not. */
async function load(broker, seconds) {
  const counts = { cycles: 0, unexpected: 0, unverified: 0 };
  const result = await autocannon({
    url: broker.url,
    connections: Number(values.connections),
    duration: seconds,
    headers: broker.headers,
    requests: [
      {
        method: 'POST',
        path: '/v1/grants',
        body: REQUEST,
        onResponse(status, body, context) {
          context.grant = status === 201 ? JSON.parse(body).grant.id : undefined;
          if (status !== 201) counts.unexpected++;
        },
      },
      {
        method: 'POST',
        body: REVOKE,
        // No grant to revoke (the request failed): autocannon starts the next cycle instead.
        setupRequest: (request, context) => context.grant && { ...request, path: `/v1/grants/${context.grant}/revoke` },
        onResponse(status, body) {
          if (status !== 200) counts.unexpected++;
          else if (JSON.parse(body).revocation !== 'verified') counts.unverified++;
          else counts.cycles++;
        },
      },
    ],
  });
  return { result, counts };
}

/**
 * The run stops mid-cycle on some connections, and requests it sent may still be under way at the
 * broker: their grants are revoked as they appear, as their holders would, for up to 30 s.
 */
async function revokeCutOff(broker) {
  for (let quiet = 0, pass = 0; quiet < 3 && pass < 60; pass++) {
    const live = await (await fetch(`${broker.url}/v1/grants?live=true`, { headers: broker.headers })).json();
    for (const grant of live) await fetch(`${broker.url}/v1/grants/${grant.id}/revoke`, { method: 'POST', headers: broker.headers, body: REVOKE });
    quiet = live.length ? 0 : quiet + 1;
    await sleep(500);
  }
}

/**
 * What the store was asked per cycle in the timed run, by operation, and how long each call took on
 * average, from the broker's own jit_store_seconds histogram (a commit's time includes its signature
 * and the audit anchor's move). Calls of cycles the run cut off are counted too: a few per connection.
 */
function storeCalls(before, after, cycles) {
  const calls = {};
  for (const [series, count] of after) {
    const operation = /^jit_store_seconds_count\{operation="([^"]+)"\}$/.exec(series)?.[1];
    if (!operation) continue;
    const n = count - (before.get(series) ?? 0);
    const seconds = after.get(`jit_store_seconds_sum{operation="${operation}"}`) - (before.get(`jit_store_seconds_sum{operation="${operation}"}`) ?? 0);
    if (n > 0) calls[operation] = { perCycle: round(n / cycles, 2), meanMs: round((seconds * 1000) / n, 3) };
  }
  return calls;
}

async function measure(store) {
  const broker = await startServedBroker({ jit: values.jit, policy: POLICY, store, profileDir: values.profile, keep: values.keep });
  try {
    await load(broker, Number(values.warmup));
    const usage = sampleProcess(broker.pid);
    const before = await broker.metrics();
    const { result, counts } = await load(broker, Number(values.duration));
    const serve = usage.stop();
    const after = await broker.metrics();
    const errors = result.errors + result.timeouts + result.non2xx + counts.unexpected + counts.unverified + broker.errorLines().length;
    await revokeCutOff(broker);
    // Every grant the broker holds has ended and its revocation is verified: nothing was left standing.
    const [standing] = await broker.query("SELECT COUNT(*) AS n FROM grants WHERE state IN ('issuing', 'active') OR revocation IS DISTINCT FROM 'verified'");
    const stopped = await broker.stop();
    const cyclesPerSecond = counts.cycles / result.duration;
    return {
      store,
      connections: Number(values.connections),
      seconds: result.duration,
      cycles: counts.cycles,
      cyclesPerSecond: round(cyclesPerSecond, 0),
      requestsPerSecond: round(result.requests.average, 0),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      errors,
      standingGrants: Number(standing.n),
      broker: serve,
      storePerCycle: before && after ? storeCalls(before, after, counts.cycles) : undefined,
      stoppedCleanly: stopped.code === 0,
      target: targets[store],
      met: cyclesPerSecond >= targets[store] && errors === 0,
    };
  } catch (error) {
    await broker.stop();
    throw error;
  }
}

const rows = [];
for (const store of stores) rows.push(await measure(store));

if (values.json) console.log(JSON.stringify({ node: process.version, rows }, null, 2));
else {
  console.log(`grant cycles (request + auto-approve + issue + revoke) through jit serve, ${values.connections} connections, ${values.duration} s after ${values.warmup} s warm-up, node ${process.version}`);
  for (const r of rows) {
    console.log(
      `${r.store.padEnd(9)} ${String(r.cyclesPerSecond).padStart(6)} cycles/s  (target ≥ ${r.target}: ${r.met ? 'met' : 'NOT met'})` +
        `  request latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms` +
        `  errors ${r.errors}  standing ${r.standingGrants}  broker RSS max ${r.broker.maxRssMiB} MiB (VmHWM ${r.broker.hwmMiB} MiB), CPU ${r.broker.cpuCores} core`,
    );
    if (r.storePerCycle) {
      const calls = Object.entries(r.storePerCycle).sort(([, a], [, b]) => b.perCycle * b.meanMs - a.perCycle * a.meanMs);
      console.log(`          store calls per cycle: ${calls.map(([operation, c]) => `${operation} ${c.perCycle} × ${c.meanMs} ms`).join(', ')}`);
    }
  }
}
