#!/usr/bin/env node
// Real credentials against the jwt baseline, in one run: what `jit exec … -- true` costs with the postgres
// issuer (a login role made and dropped at a real PostgreSQL) and the ssh issuer (a certificate, a session
// ssh-agent, the KRL rewritten) beside the jwt issuer (a signature), and how long after `jit revoke` the
// target refuses: the database the grant's password, sshd the certificate (p50/p99 over many grants).
//
//   keyctl session - node bench/issuers.mjs [--runs 30] [--grants 100] [--json]
//
// The built `jit` (npm run build first) with the embedded broker, credentials in the kernel keyring
// (hence `keyctl session -`), PostgreSQL a throwaway cluster from Debian's package that checks passwords
// (test/support/postgres.ts; fsync off), sshd a throwaway one on loopback (test/support/sshd.ts). Runs interleave (jwt, postgres, jwt, …) so drift in machine load
// hits both alike; the figures are medians. These are measurements, not tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPostgres } from '../test/support/postgres.ts';
import { startSshd } from '../test/support/sshd.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, grants: { type: 'string', default: '100' }, json: { type: 'boolean', default: false } } });
const jit = resolve('bin/jit.js');
const ADMIN_PASSWORD = 'bench-admin';

const postgres = await startPostgres({ passwords: true });
const sshd = await startSshd();
const home = mkdtempSync(join(tmpdir(), 'jit-bench-issuers-'));
try {
  const superuser = new pg.Client({ connectionString: postgres.url });
  await superuser.connect();
  await superuser.query(`CREATE ROLE jit_admin LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}' IN ROLE pg_signal_backend; CREATE ROLE orders_admin NOLOGIN; GRANT orders_admin TO jit_admin WITH ADMIN OPTION`);
  await superuser.end();
  const env = {
    ...process.env,
    PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
    XDG_CACHE_HOME: join(home, 'cache'),
    NO_COLOR: '1',
    ORDERS_ADMIN_DSN: postgres.url.replace(/\/\/jit:[^@]*@/, `//jit_admin:${ADMIN_PASSWORD}@`),
  };
  delete env.JIT_SESSION;
  mkdirSync(join(home, 'config', 'jit'), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, 'config', 'jit', 'config.yaml'), 'keychain: keyutils\n', { mode: 0o600 });
  writeFileSync(
    join(home, 'config', 'jit', 'policy.yaml'),
    `roles:
  demo:
    ttl: { default: 15m, max: 1h }
    requesters: ['*']
    issuer: { type: jwt }
  orders-db:
    ttl: { default: 15m, max: 1h }
    requesters: ['*']
    issuer: { type: postgres, connection: env:ORDERS_ADMIN_DSN, grant: [orders_admin] }
  host:
    ttl: { default: 15m, max: 1h }
    requesters: ['*']
    issuer: { type: ssh, ca: 'file:${sshd.caKey}', principals: [${sshd.user}], krl: '${sshd.krl}' }
`,
    { mode: 0o600 },
  );

  const exec = (role) => {
    const started = process.hrtime.bigint();
    const result = spawnSync(jit, ['exec', '-t', 'OPS-1', '-r', role, '--', 'true'], { env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`jit exec -r ${role} failed (${result.status}): ${result.stderr}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const median = (samples) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  const percentile = (samples, p) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)];
  const round = (ms) => Math.round(ms * 10) / 10;

  // Warm-up: keys, the state database, the compile cache.
  const roles = ['demo', 'orders-db', 'host'];
  roles.forEach(exec);
  const times = Object.fromEntries(roles.map((role) => [role, []]));
  for (let run = 0; run < Number(values.runs); run++) for (const role of roles) times[role].push(exec(role));

  // Revoke → refused: a session holds the grant; `jit revoke` from another process; a client tries the
  // grant's password until the server refuses it.
  const lateness = [];
  const seen = join(home, 'seen');
  for (let grant = 0; grant < Number(values.grants); grant++) {
    if (grant === 0) console.error(`postgres: ${values.grants} grants…`);
    rmSync(seen, { force: true });
    const session = spawn(jit, ['exec', '-t', 'OPS-2', '-r', 'orders-db', '--', 'sh', '-c', `printf '%s %s' "$JIT_SESSION" "$DATABASE_URL" > ${seen}.tmp && mv ${seen}.tmp ${seen} && exec sleep 60`], { env, stdio: 'ignore' });
    for (let wait = 0; wait < 1000 && !existsSync(seen); wait++) await sleep(10);
    const [grantId, url] = readFileSync(seen, 'utf8').split(' ');
    const started = process.hrtime.bigint();
    const revoke = spawn(jit, ['revoke', grantId], { env, stdio: 'ignore' });
    let refusedAfter;
    for (let attempt = 0; attempt < 5000 && refusedAfter === undefined; attempt++) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.end();
      } catch {
        refusedAfter = Number(process.hrtime.bigint() - started) / 1e6;
      }
    }
    if (refusedAfter === undefined) throw new Error(`the grant ${grantId} was never refused`);
    lateness.push(refusedAfter);
    await new Promise((done) => (revoke.exitCode === null ? revoke.once('exit', done) : done()));
    await new Promise((done) => (session.exitCode === null ? session.once('exit', done) : done()));
  }

  // The same for ssh: the session keeps its certificate (ssh-add -L); sshd reads the KRL at every login,
  // so the certificate is refused from the moment the KRL lists it (ssh-keygen -Q reads it as sshd does).
  // The session's key never leaves its agent, so the refusal itself cannot be tried from here.
  const sshLateness = [];
  for (let grant = 0; grant < Number(values.grants); grant++) {
    if (grant === 0) console.error(`ssh: ${values.grants} grants…`);
    rmSync(seen, { force: true });
    const session = spawn(jit, ['exec', '-t', 'OPS-3', '-r', 'host', '--', 'sh', '-c', `printf '%s ' "$JIT_SESSION" > ${seen}.tmp && ssh-add -L >> ${seen}.tmp && mv ${seen}.tmp ${seen} && exec sleep 60`], { env, stdio: 'ignore' });
    for (let wait = 0; wait < 1000 && !existsSync(seen); wait++) await sleep(10);
    const [grantId, ...certificate] = readFileSync(seen, 'utf8').split(' ');
    writeFileSync(`${seen}.cert`, certificate.join(' '));
    const started = process.hrtime.bigint();
    const revoke = spawn(jit, ['revoke', grantId], { env, stdio: 'ignore' });
    let refusedAfter;
    for (let attempt = 0; attempt < 5000 && refusedAfter === undefined; attempt++) {
      if (spawnSync('ssh-keygen', ['-Q', '-f', sshd.krl, `${seen}.cert`], { encoding: 'utf8' }).stdout.includes('REVOKED')) refusedAfter = Number(process.hrtime.bigint() - started) / 1e6;
    }
    if (refusedAfter === undefined) throw new Error(`the grant ${grantId} was never revoked in the KRL`);
    sshLateness.push(refusedAfter);
    await new Promise((done) => (revoke.exitCode === null ? revoke.once('exit', done) : done()));
    await new Promise((done) => (session.exitCode === null ? session.once('exit', done) : done()));
  }

  const figures = (samples) => ({ grants: samples.length, p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)), max: round(Math.max(...samples)) });
  const result = {
    node: process.version,
    runs: Number(values.runs),
    execMs: { jwt: round(median(times.demo)), postgres: round(median(times['orders-db'])), ssh: round(median(times.host)) },
    overJwt: { postgres: Math.round((median(times['orders-db']) / median(times.demo)) * 100) / 100, ssh: Math.round((median(times.host) / median(times.demo)) * 100) / 100 },
    revokeToRefusedMs: { postgres: figures(lateness), ssh: figures(sshLateness) },
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    const { execMs, overJwt, revokeToRefusedMs: late } = result;
    console.log(`jit exec -- true, median of ${result.runs} (node ${result.node}): jwt ${execMs.jwt} ms, postgres ${execMs.postgres} ms (${overJwt.postgres}× jwt), ssh ${execMs.ssh} ms (${overJwt.ssh}× jwt)`);
    console.log(`jit revoke → the database refuses the password, ${late.postgres.grants} grants: p50 ${late.postgres.p50} ms, p99 ${late.postgres.p99} ms, max ${late.postgres.max} ms`);
    console.log(`jit revoke → sshd's KRL refuses the certificate, ${late.ssh.grants} grants: p50 ${late.ssh.p50} ms, p99 ${late.ssh.p99} ms, max ${late.ssh.max} ms`);
  }
} finally {
  await sshd.stop();
  await postgres.stop();
  rmSync(home, { recursive: true, force: true });
}
