// `jit serve`, the built binary: its config refused with file, line and column when wrong; grants it
// serves ended by the broker itself when their TTL runs out or their heartbeats stop (the dead man's
// switch), each said so in the audit; TLS from PEM files; and a stop that finishes requests in flight.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type OidcProvider } from '../support/oidc.js';
import { brokerFiles, callBroker, serve, type BrokerFiles } from '../support/served.js';
import { until } from '../support/waits.js';

const AUDIENCE = 'https://jit.test/broker';
const POLICY = `roles:
  demo:
    ttl: { default: 5m, max: 1h }
    requesters: ['*']
    issuer: { type: jwt }
    heartbeat: { interval: 1s, timeout: 2s }
`;

let provider: OidcProvider;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  provider = await startOidcProvider({ audience: AUDIENCE, users: { alice: ['sre'] } });
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await provider.close();
});

function files(config: string, policy = POLICY): BrokerFiles {
  const made = brokerFiles(policy, config);
  cleanups.push(() => made.box.remove());
  return made;
}

const oidc = () => `oidc:\n  issuer: ${provider.issuer}\n  audience: ${AUDIENCE}\n  algorithms: [ES256]\n  clients: [alice]\n`;

const call = async (base: string, method: string, path: string, body?: unknown) => callBroker(base, await provider.token('alice'), method, path, body);

const owner = { pid: 4242, startTime: '123456' };

describe('jit serve: the config', () => {
  it('--check validates the config, the policy and the TLS files, then exits 0 without serving', async () => {
    const made = files(`listen: 127.0.0.1:0\n${oidc()}`);
    const result = await made.box.run(['serve', '--config', made.configPath, '--check']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`${made.configPath}: valid (policy ${join(made.dir, 'policy.yaml')}, store sqlite`);
  });

  it.each([
    ['an unknown key, at the key', 'listen: 127.0.0.1:0\nlisn: 1\n', /broker\.yaml:4:1: unknown setting "lisn"/],
    ['plain HTTP off loopback', 'listen: 0.0.0.0:8443\n', /broker\.yaml:3:1: listen: 0\.0\.0\.0 is not loopback: give tls\.cert and tls\.key/],
    ['an OpenID provider over plain HTTP off loopback', 'listen: 127.0.0.1:0\noidc:\n  issuer: http://idp.example.com\n  audience: jit\n', /broker\.yaml:5:3: oidc\.issuer: must be an https:\/\/ URL/],
    ['a symmetric algorithm', 'listen: 127.0.0.1:0\noidc:\n  issuer: https://idp.example.com\n  audience: jit\n  algorithms: [HS256]\n', /broker\.yaml:7:16: oidc\.algorithms\.0: must be asymmetric algorithms/],
    ['a relative TLS path', 'listen: 127.0.0.1:0\ntls: { cert: cert.pem, key: /k.pem }\n', /broker\.yaml:4:8: tls\.cert: must be an absolute path/],
    ['a listen address without a port', 'listen: 127.0.0.1\n', /broker\.yaml:3:1: listen: must be host:port/],
    ['plain HTTP on a name that only looks like loopback', 'listen: 127.0.0.256:8443\n', /broker\.yaml:3:1: listen: 127\.0\.0\.256 is not loopback/],
    ['an OpenID provider whose accepted clients are not named', 'listen: 127.0.0.1:0\noidc:\n  issuer: https://idp.example.com\n  audience: jit\n', /broker\.yaml:4:1: oidc: name the clients whose tokens the broker accepts/],
    ['a trusted proxy given by name', 'listen: 127.0.0.1:0\ntrustedProxies: [proxy.example.com]\n', /broker\.yaml:4:18: trustedProxies\.0: must be an IP address or CIDR block/],
    ['a stop timeout the service manager would cut short', 'listen: 127.0.0.1:0\nstopTimeout: 1h\n', /broker\.yaml:4:1: stopTimeout: must be between 1s and 10m/],
  ])('refuses %s with exit 78 and the line and column', async (_what, config, expected) => {
    const made = files(config.includes('oidc:') ? config : `${config}${oidc()}`);
    const result = await made.box.run(['serve', '--config', made.configPath, '--check']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^jit: invalid broker config: /);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).toMatch(/\n\s+→ fix /);
  });

  it('refuses a policy whose issuer reads a keychain: secret, which a team broker has no keychain for (78)', async () => {
    const made = files(`listen: 127.0.0.1:0\n${oidc()}`, `roles:\n  db:\n    ttl: { default: 5m, max: 1h }\n    requesters: ['*']\n    issuer: { type: postgres, connection: keychain:orders-admin, grant: [orders_admin] }\n`);
    const result = await made.box.run(['serve', '--config', made.configPath, '--check']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^jit: role db reads keychain:orders-admin: a team broker has no keychain to read it from\n\s+→ use file:/);
  });

  it('refuses a webhook secret that is missing or weak at start, not at the first delivery (78)', async () => {
    const policy = `roles:\n  deploy:\n    ttl: { default: 5m, max: 1h }\n    requesters: ['*']\n    ticket: { system: github, credentials: env:GITHUB_TOKEN, repositories: [acme/orders], webhookSecret: env:GITHUB_WEBHOOK_SECRET }\n    issuer: { type: jwt }\n`;
    const made = files(`listen: 127.0.0.1:0\n${oidc()}`, policy);
    const missing = await made.box.run(['serve', '--config', made.configPath, '--check']);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toMatch(/^jit: role deploy: .*GITHUB_WEBHOOK_SECRET/);
    const weak = await made.box.run(['serve', '--config', made.configPath, '--check'], { env: { GITHUB_WEBHOOK_SECRET: 'hunter2' } });
    expect(weak.code).toBe(78);
    expect(weak.stderr).toMatch(/^jit: role deploy: the webhook secret in env:GITHUB_WEBHOOK_SECRET is not 32 or more printable characters without spaces\n\s+→ make one with `openssl rand -hex 32`/);
    expect(weak.stderr).not.toContain('hunter2');
    const strong = await made.box.run(['serve', '--config', made.configPath, '--check'], { env: { GITHUB_WEBHOOK_SECRET: 'f'.repeat(64) } });
    expect(strong.code).toBe(0);
  });

  it('refuses a PostgreSQL password in the config without repeating it', async () => {
    const made = files(`listen: 127.0.0.1:0\nstore: postgres://jit:hunter2-secret@db.example.com/jit\n${oidc()}`);
    const result = await made.box.run(['serve', '--config', made.configPath, '--check']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/broker\.yaml:4:1: store: must not hold a password: give it in PGPASSWORD/);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });

  it('refuses a missing config, a world-readable TLS key and contradicting flags, each with its exit code', async () => {
    const made = files(`listen: 127.0.0.1:0\n${oidc()}`);
    expect(await made.box.run(['serve', '--config', join(made.dir, 'absent.yaml'), '--check'])).toMatchObject({ code: 78, stderr: expect.stringMatching(/^jit: there is no broker config at .*absent\.yaml\n\s+→ /) });
    expect(await made.box.run(['serve', '--config', made.configPath, '--listen', 'nowhere'])).toMatchObject({ code: 64, stderr: expect.stringMatching(/^jit: --listen "nowhere" is not host:port\n\s+→ /) });
    expect(await made.box.run(['serve', '--config', made.configPath, '--tls-cert', '/c.pem'])).toMatchObject({ code: 64, stderr: expect.stringMatching(/--tls-cert and --tls-key go together/) });
    expect(await made.box.run(['serve', '--config', made.configPath, '--listen', '0.0.0.0:0'])).toMatchObject({ code: 64, stderr: expect.stringMatching(/will not serve plain HTTP there: 0\.0\.0\.0 is not loopback/) });
    const key = join(made.dir, 'key.pem');
    writeFileSync(key, 'not really a key', { mode: 0o644 });
    const loose = await made.box.run(['serve', '--config', made.configPath, '--tls-cert', key, '--tls-key', key, '--check']);
    expect(loose).toMatchObject({ code: 78, stderr: expect.stringMatching(/tls\.key .*key\.pem is readable by every user \(mode 644\)\n\s+→ chmod 600/) });
    // A certificate with the key of another one, and a file that is no PEM at all: caught by --check, not at start.
    const pair = (name: string) => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(made.dir, `${name}.key`), '-out', join(made.dir, `${name}.crt`)], { stdio: 'ignore' });
      return { cert: join(made.dir, `${name}.crt`), key: join(made.dir, `${name}.key`) };
    };
    const [one, two] = [pair('one'), pair('two')];
    const mismatched = await made.box.run(['serve', '--config', made.configPath, '--tls-cert', one.cert, '--tls-key', two.key, '--check']);
    expect(mismatched).toMatchObject({ code: 78, stderr: expect.stringMatching(/^jit: tls\.cert .*one\.crt and tls\.key .*two\.key cannot serve TLS: .*\n\s+→ give the PEM certificate and the private key that belongs to it/) });
    writeFileSync(one.key, 'garbage', { mode: 0o600 });
    expect(await made.box.run(['serve', '--config', made.configPath, '--tls-cert', one.cert, '--tls-key', one.key, '--check'])).toMatchObject({ code: 78 });
    // A state dir jit would refuse at start is refused by --check too.
    const { symlinkSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(made.dir, 'elsewhere'), { mode: 0o700 });
    symlinkSync(join(made.dir, 'elsewhere'), made.stateDir);
    expect(await made.box.run(['serve', '--config', made.configPath, '--check'])).toMatchObject({ code: 71, stderr: expect.stringMatching(/state is a symbolic link; jit refuses to follow it/) });
  });
});

describe('jit serve: the broker ends access on its own', () => {
  it('revokes a grant whose heartbeats stop within the timeout + 1 s, and ends one at its TTL, each audited', async () => {
    const made = files(`listen: 127.0.0.1:0\n${oidc()}`);
    const broker = await serve(made);
    cleanups.push(() => broker.child.kill('SIGKILL'));

    const silent = await call(broker.url, 'POST', '/v1/grants', { role: 'demo', ticket: 'OPS-1', owner });
    const beating = await call(broker.url, 'POST', '/v1/grants', { role: 'demo', ticket: 'OPS-2', ttlSeconds: 4, owner });
    expect(silent.status).toBe(201);
    expect(beating.status).toBe(201);
    const issuedAt = Date.now();
    const silentId = silent.body!.grant.id as string;
    const beatingId = beating.body!.grant.id as string;

    // One grant's supervisor keeps beating; the other's is gone (as if kill -9 or a closed laptop).
    const heartbeats = setInterval(() => void call(broker.url, 'POST', `/v1/grants/${beatingId}/heartbeat`).catch(() => {}), 500);
    try {
      const revoked = await until('the silent grant to be revoked', async () => {
        const grant = await call(broker.url, 'GET', `/v1/grants/${silentId}`);
        return grant.body!.state === 'revoked' && grant.body!.revocation === 'verified' && grant.body!;
      }, 6000);
      expect(Date.now() - issuedAt).toBeLessThan(2000 + 1000 + 500); // timeout + 1 s, + one poll
      expect(revoked).toMatchObject({ revokeReason: 'orphaned', revocation: 'verified' });
      expect((await call(broker.url, 'GET', `/v1/grants/${beatingId}`)).body).toMatchObject({ state: 'active' });

      const expired = await until('the beating grant to reach its TTL', async () => {
        const grant = await call(broker.url, 'GET', `/v1/grants/${beatingId}`);
        return grant.body!.state === 'expired' && grant.body!.revocation === 'verified' && grant.body!;
      }, 8000);
      expect(Date.now() - issuedAt).toBeLessThan(4000 + 1000 + 500);
      expect(expired).toMatchObject({ revokeReason: 'expired', revocation: 'verified' });
    } finally {
      clearInterval(heartbeats);
    }

    // What Prometheus reads of it, from this host (loopback may read /metrics by default).
    const scraped = await fetch(`${broker.url}/metrics`);
    expect(scraped.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const metrics = await scraped.text();
    expect(metrics).toContain('jit_decisions_total{outcome="approved"} 2');
    expect(metrics).toContain('jit_grants_live{state="active"} 0');
    expect(metrics).toMatch(/^jit_expiry_lateness_seconds_count\{step="ended"\} 1$/m);
    expect(metrics).toMatch(/^jit_expiry_lateness_seconds_count\{step="revoked"\} 1$/m);
    expect(metrics).toMatch(/^jit_expiry_lateness_seconds_bucket\{step="ended",le="1"\} 1$/m);
    expect(metrics).toMatch(/^jit_store_seconds_count\{operation="commit"\} [1-9]\d*$/m);
    expect(metrics).toContain('jit_http_requests_total{route="/v1/grants",status="201"} 2');

    const db = made.db();
    try {
      const ended = db.prepare("SELECT grant_id, actor, data FROM audit_events WHERE type IN ('grant.revoked', 'grant.expired') ORDER BY seq").all() as { grant_id: string; actor: string; data: string }[];
      expect(ended.map((event) => [event.grant_id, event.actor])).toEqual([[silentId, 'broker'], [beatingId, 'broker']]);
      const lost = JSON.parse(ended[0]!.data) as { reason: string; lastHeartbeatAt: number };
      expect(lost.reason).toBe('orphaned');
      expect(lost.lastHeartbeatAt).toBeGreaterThanOrEqual(Math.floor(issuedAt / 1000) - 1);
    } finally {
      db.close();
    }
    broker.child.kill('SIGTERM');
    expect((await broker.exited).code).toBe(0);
  });
});

describe('jit serve: running it', () => {
  it('serves over TLS from PEM files, and not over plain HTTP on the same port', async () => {
    const made = files(`listen: 127.0.0.1:0\n${oidc()}`);
    const cert = join(made.dir, 'cert.pem');
    const key = join(made.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const broker = await serve(made, ['--tls-cert', cert, '--tls-key', key]);
    cleanups.push(() => broker.child.kill('SIGKILL'));
    expect(broker.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { readFileSync } = await import('node:fs');
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpsRequest(`${broker.url}/healthz`, { ca: readFileSync(cert) }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(text));
      });
      request.on('error', reject);
      request.end();
    });
    expect(JSON.parse(body)).toEqual({ ok: true });
    await expect(fetch(`${broker.url.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
    broker.child.kill('SIGTERM');
    expect((await broker.exited).code).toBe(0);
  });

  it('a stop cut short by stopTimeout exits 69, and the next broker ends the grant it left issuing', async () => {
    const made = files(`listen: 127.0.0.1:0\nstopTimeout: 1s\n${oidc()}`, 'roles: {}\n');
    const script = (name: string, body: string) => {
      const path = join(made.dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o700 });
      return path;
    };
    // An issuer that never answers within its 3s; heartbeats are missed after 2s.
    const issue = script('issue', 'sleep 30');
    const revoke = script('revoke', 'cat > /dev/null');
    writeFileSync(
      join(made.dir, 'policy.yaml'),
      `roles:\n  stuck:\n    ttl: { default: 5m, max: 1h }\n    requesters: ['*']\n    heartbeat: { interval: 1s, timeout: 2s }\n    issuer: { type: command, issue: ${issue}, revoke: ${revoke}, timeout: 3s }\n`,
      { mode: 0o600 },
    );
    const first = await serve(made);
    cleanups.push(() => first.child.kill('SIGKILL'));
    const inFlight = call(first.url, 'POST', '/v1/grants', { role: 'stuck', ticket: 'OPS-5', owner }).catch((error: unknown) => error);
    await until('the grant to be issuing', () => {
      const db = made.db();
      try {
        return db.prepare("SELECT id FROM grants WHERE state = 'issuing'").get() !== undefined;
      } finally {
        db.close();
      }
    }, 5000);
    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    const exited = await first.exited;
    expect(exited.code).toBe(69);
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(exited.stderr).toContain('jit: the broker stopped before everything in flight had finished');
    expect(exited.stdout).toContain('stop deadline reached');
    await inFlight;

    const second = await serve(made);
    cleanups.push(() => second.child.kill('SIGKILL'));
    const [grantId] = await until('the grant left issuing to be ended', () => {
      const db = made.db();
      try {
        const row = db.prepare("SELECT grant_id FROM audit_events WHERE type = 'grant.revoked'").get() as { grant_id: string } | undefined;
        return row && [row.grant_id];
      } finally {
        db.close();
      }
    }, 10_000);
    const db = made.db();
    try {
      const revoked = db.prepare("SELECT actor, data FROM audit_events WHERE type = 'grant.revoked' AND grant_id = ?").get(grantId!) as { actor: string; data: string };
      expect(revoked.actor).toBe('broker');
      expect(JSON.parse(revoked.data)).toMatchObject({ reason: 'orphaned' });
    } finally {
      db.close();
    }
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('on SIGTERM finishes the request in flight, with its audit, before it exits 0', async () => {
    const made = files(`listen: 127.0.0.1:0\n${oidc()}`, 'roles: {}\n');
    const script = (name: string, body: string) => {
      const path = join(made.dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o700 });
      return path;
    };
    const issue = script('issue', `sleep 1.5; echo '{"env":{"SLOW_TOKEN":"slow-secret"},"handle":"lease-1"}'`);
    const revoke = script('revoke', 'cat > /dev/null');
    const verify = script('verify', `cat > /dev/null; echo '{"revoked":true}'`);
    writeFileSync(join(made.dir, 'policy.yaml'), `roles:\n  slow:\n    ttl: { default: 5m, max: 1h }\n    requesters: ['*']\n    issuer: { type: command, issue: ${issue}, revoke: ${revoke}, verify: ${verify}, timeout: 20s }\n`, { mode: 0o600 });
    const broker = await serve(made);
    cleanups.push(() => broker.child.kill('SIGKILL'));

    const inFlight = call(broker.url, 'POST', '/v1/grants', { role: 'slow', ticket: 'OPS-9', owner });
    await new Promise((resolve) => setTimeout(resolve, 500));
    broker.child.kill('SIGTERM');
    const answered = await inFlight;
    expect(answered.status).toBe(201);
    expect(answered.body!.credential).toEqual({ SLOW_TOKEN: 'slow-secret' });
    const exited = await broker.exited;
    expect(exited.code).toBe(0);
    expect(exited.stdout).toContain('"broker stopped"');
    // SECURITY: the credential never reaches the broker's log.
    expect(exited.stdout + exited.stderr).not.toContain('slow-secret');

    const db = made.db();
    try {
      const types = (db.prepare('SELECT type FROM audit_events ORDER BY seq').all() as { type: string }[]).map((event) => event.type);
      expect(types).toEqual(['request.created', 'request.approved', 'grant.issuing', 'grant.issued']);
    } finally {
      db.close();
    }
  });
});
