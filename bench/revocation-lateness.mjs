#!/usr/bin/env node
// How late a served broker ends grants at their TTL, and how late their revocations are verified, when
// 10,000 grants expire within one minute and no client calls again: the broker's sweep alone acts.
//
//   npm run bench:broker                                   (builds first; both benchmarks)
//   node bench/revocation-lateness.mjs [--grants 10000] [--spread 60] [--store sqlite|postgres] [--settle 120] [--json]
//   … --lead SECONDS (from the start to the first expiry; by default from the creation rate measured first)
//   … --connections 16 (requests at once while creating)   … --profile DIR   … --keep   … --jit PATH
//
// The grants are requested (POST /v1/grants, ttlSeconds each) so that their ends fall evenly over
// `spread` seconds, all after the last has been created: the sweep has the broker to itself. The role's
// heartbeat timeout (10 m) is longer than the run, so the dead man's switch ends none of them first.
// Afterwards the audit is read from the store, read-only, as an auditor would: for each grant, its end
// is late by (its grant.expired event's time − its expires_at), and its revocation by (its
// revocation.verified event's time − its expires_at). A grant still unverified when the run stops
// (`settle` seconds after the last expiry) counts at its lower bound (then − expires_at), and the
// figures say so ("≥"). Reported: p50, p99 and max of both, the serve process's memory (largest VmRSS
// sampled from the first request on, and VmHWM) and its CPU over the run, in cores. Target: p99 ≤ 1 s.
// Measurements, not tests.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { round, sampleProcess, startServedBroker } from './served-broker.mjs';

const { values } = parseArgs({
  options: {
    grants: { type: 'string', default: '10000' },
    spread: { type: 'string', default: '60' },
    lead: { type: 'string' },
    connections: { type: 'string', default: '16' },
    settle: { type: 'string', default: '120' },
    store: { type: 'string', default: 'sqlite' },
    jit: { type: 'string' },
    profile: { type: 'string' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const count = Number(values.grants);
const spreadMs = Number(values.spread) * 1000;
const TARGET_MS = 1000;
/** The ticket the measured grants are requested under; the audit is read back by it. */
const TICKET = 'BENCH-2';
const progress = (text) => values.json || process.stderr.write(`${text}\n`);

const POLICY = `roles:
  bench:
    ttl: { default: 5m, max: 1h }
    requesters: ['*']
    issuer: { type: jwt }
    heartbeat: { interval: 5m, timeout: 10m }
`;

/** Requests grants, `connections` at once; `ttlFor(i)` is asked as each request is sent. Returns their ids. */
async function requestGrants(broker, n, ttlFor, ticket = TICKET) {
  const ids = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const body = JSON.stringify({ role: 'bench', ticket, ttlSeconds: ttlFor(i), owner: { pid: 4242, startTime: null } });
      const response = await fetch(`${broker.url}/v1/grants`, { method: 'POST', headers: broker.headers, body });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`grant ${i}: the broker answered ${response.status}: ${text}`);
      ids[i] = JSON.parse(text).grant.id;
    }
  };
  await Promise.all(Array.from({ length: Number(values.connections) }, worker));
  return ids;
}

const broker = await startServedBroker({ jit: values.jit, policy: POLICY, store: values.store, profileDir: values.profile, keep: values.keep });
try {
  const usage = sampleProcess(broker.pid);

  // How fast grants can be requested here, to start the expiries once all are created (unless --lead says).
  let leadMs = values.lead === undefined ? undefined : Number(values.lead) * 1000;
  if (leadMs === undefined) {
    const calibrating = Date.now();
    // Their own ticket keeps them out of the figures.
    const trial = await requestGrants(broker, Math.min(500, count), () => 3600, 'CALIBRATE-1');
    const perSecond = trial.length / ((Date.now() - calibrating) / 1000);
    for (const id of trial) await fetch(`${broker.url}/v1/grants/${id}/revoke`, { method: 'POST', headers: broker.headers, body: JSON.stringify({ reason: 'exit' }) });
    leadMs = Math.ceil((1.3 * count) / perSecond + 5) * 1000;
    progress(`requests at ${Math.round(perSecond)}/s: the first of ${count} grants expires in ${leadMs / 1000} s`);
  }

  const start = Date.now();
  const firstEnd = start + leadMs;
  // ttlSeconds is whole seconds from the moment the broker takes the request: aimed at each grant's slot.
  const ids = await requestGrants(broker, count, (i) => Math.max(1, Math.round((firstEnd + (spreadMs * i) / count - Date.now()) / 1000)));
  const created = Date.now();
  progress(`${count} grants requested in ${((created - start) / 1000).toFixed(1)} s; they expire from ${((firstEnd - created) / 1000).toFixed(1)} s from now over ${spreadMs / 1000} s`);
  if (created > firstEnd) progress('warning: creating them took longer than the lead, so early expiries overlapped the requests (pass a longer --lead)');

  const wanted = new Set(ids);
  const lastEnd = firstEnd + spreadMs;
  const deadline = lastEnd + Number(values.settle) * 1000;
  for (;;) {
    await sleep(1000);
    const [row] = await broker.query(`SELECT COUNT(*) AS n FROM grants WHERE ticket = '${TICKET}' AND revocation = 'verified'`);
    const done = Number(row.n);
    const now = Date.now();
    if (now > firstEnd) progress(`${((now - firstEnd) / 1000).toFixed(0).padStart(4)} s after the first expiry: ${done} of ${count} revocations verified`);
    if (done >= count || now > deadline) break;
  }
  const stoppedAt = Date.now();
  const serve = usage.stop();

  // The audit, read back: each grant's deadline and the two events that settle it.
  const grants = (await broker.query(`SELECT id, expires_at, state, revoke_reason FROM grants WHERE ticket = '${TICKET}'`)).filter((g) => wanted.has(g.id));
  const events = await broker.query(`SELECT grant_id, type, at FROM audit_events WHERE type IN ('grant.expired', 'revocation.verified') AND ticket = '${TICKET}'`);
  const at = new Map();
  for (const e of events) at.set(`${e.type} ${e.grant_id}`, Date.parse(e.at));
  const lateness = (type) => {
    // A grant without the event yet is late by at least (the stop − its expiry): a lower bound.
    const late = grants
      .map((g) => {
        const when = at.get(`${type} ${g.id}`);
        return { ms: (when ?? stoppedAt) - Number(g.expires_at), atLeast: when === undefined };
      })
      .sort((a, b) => a.ms - b.ms);
    const stat = (p) => {
      const index = Math.min(late.length - 1, Math.max(0, Math.ceil((p / 100) * late.length) - 1));
      // A percentile is a lower bound once any sample at or below it is.
      return { seconds: round(late[index].ms / 1000, 3), atLeast: late.slice(0, index + 1).some((sample) => sample.atLeast) };
    };
    return { p50: stat(50), p99: stat(99), max: stat(100), notYet: late.filter((sample) => sample.atLeast).length };
  };
  const ended = lateness('grant.expired');
  const revoked = lateness('revocation.verified');
  const endedOtherwise = grants.filter((g) => g.revoke_reason !== 'expired').length;
  const errorLines = broker.errorLines().length;
  await broker.stop();

  const result = {
    node: process.version,
    store: values.store,
    grants: count,
    spreadSeconds: spreadMs / 1000,
    createSeconds: round((created - start) / 1000),
    endedOtherwise,
    brokerErrors: errorLines,
    endedLateSeconds: ended,
    verifiedLateSeconds: revoked,
    broker: serve,
    target: { p99Seconds: TARGET_MS / 1000 },
    met: { ended: ended.p99.seconds * 1000 <= TARGET_MS, verified: revoked.p99.seconds * 1000 <= TARGET_MS },
  };
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    const show = (stat) => `${stat.atLeast ? '≥ ' : ''}${stat.seconds} s`;
    const line = (name, s, met) =>
      `${name.padEnd(22)} p50 ${show(s.p50)}  p99 ${show(s.p99)}  max ${show(s.max)}` +
      `${s.notYet ? `  (${s.notYet} not yet when the run stopped)` : ''}  (target p99 ≤ 1 s: ${met ? 'met' : 'NOT met'})`;
    console.log(`${count} grants expiring over ${spreadMs / 1000} s, jit serve with ${values.store}, node ${process.version}`);
    console.log(line('ended (grant.expired)', ended, result.met.ended));
    console.log(line('revocation verified', revoked, result.met.verified));
    console.log(`ended other than by TTL ${endedOtherwise}, broker errors logged ${errorLines}, broker RSS max ${serve.maxRssMiB} MiB (VmHWM ${serve.hwmMiB} MiB), CPU ${serve.cpuCores} core`);
  }
} catch (error) {
  await broker.stop();
  throw error;
}
