// The ssh issuer against a real sshd that trusts the CA and reads the KRL: a certificate for the session
// key logs in while the grant lives, and is refused after revocation and after its end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialOf } from '../../src/broker/issuers/ssh/certificate.js';
import { revokesSerial } from '../../src/broker/issuers/ssh/krl.js';
import type { SshConfig } from '../../src/broker/issuers/ssh/schema.js';
import { SshIssuer } from '../../src/broker/issuers/ssh/ssh-issuer.js';
import { NothingIssued } from '../../src/broker/issuers/issuer.js';
import type { GrantRecord } from '../../src/broker/records.js';
import { ExitCode } from '../../src/core/errors.js';
import { buildBrokerApp } from '../../src/server/app.js';
import { OperatorTokenVerifier } from '../../src/server/operator-token.js';
import { callers } from '../../src/server/caller-verifier.js';
import { ed25519Blob, readOpenSshEd25519PrivateKey } from '../../src/platform/ssh-keys.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { failure } from '../support/rejection.js';

let sshd: Sshd;
let keys: string;
let env: TestBroker;
let grants = 0;

beforeAll(async () => {
  sshd = await startSshd();
  keys = mkdtempSync(join(tmpdir(), 'jit-ssh-keys-'));
  env = await testBroker();
}, 30_000);
afterAll(async () => {
  env?.remove();
  await sshd?.stop();
  rmSync(keys, { recursive: true, force: true });
});

/** A key pair as the CLI would make one, in files so that ssh itself can use it for the probe. */
function sessionKey(): { path: string; publicKey: string } {
  const path = join(keys, `key${++grants}`);
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  return { path, publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
}

function grantFor(id: number, ttlMs = 15 * 60_000): GrantRecord {
  const now = Date.now();
  return { id: `g_${String(id).padStart(26, '0')}`, role: 'prod-ssh', ticket: 'OPS-1', requester: 'alice', issuedAtMs: now, expiresAtMs: now + ttlMs, handle: null, issuerType: 'ssh' } as GrantRecord;
}

function issuer(settings: Partial<SshConfig> = {}): SshIssuer {
  return new SshIssuer({ type: 'ssh', ca: `file:${sshd.caKey}`, principals: [sshd.user], krl: sshd.krl, extensions: ['permit-pty'], ...settings }, { env: {} });
}

/** Issues for a fresh key and writes the certificate beside it, as ssh looks for it. */
async function issueTo(grant: GrantRecord, settings: Partial<SshConfig> = {}) {
  const key = sessionKey();
  const issued = await issuer(settings).issue(grant, { publicKey: key.publicKey });
  writeFileSync(`${key.path}-cert.pub`, `${issued.clientStep!.certificate}\n`);
  return { key, issued };
}

describe('ssh issuer', () => {
  it('certifies the session key for the policy’s principals and the grant’s lifetime; sshd lets it in', async () => {
    const grant = grantFor(1);
    const { key, issued } = await issueTo(grant);
    expect(issued).toMatchObject({ env: {}, handle: String(serialOf(grant.id)), clientStep: { type: 'ssh-agent' } });
    const described = spawnSync('ssh-keygen', ['-L', '-f', `${key.path}-cert.pub`], { encoding: 'utf8' }).stdout;
    expect(described).toContain('Type: ssh-ed25519-cert-v01@openssh.com user certificate');
    expect(described).toContain(`Key ID: "${grant.id}:alice"`);
    expect(described).toContain(`Serial: ${serialOf(grant.id)}`);
    expect(described).toMatch(new RegExp(`Principals: \\n\\s+${sshd.user}\\n`));
    expect(described).toMatch(/Critical Options: \(none\)/);
    expect(described).toMatch(/Extensions: \n\s+permit-pty\n/);
    const login = sshd.login({ identity: key.path, command: 'echo in' });
    expect(login.stderr).toBe('');
    expect(login).toMatchObject({ code: 0, stdout: 'in\n' });
  });

  it('puts force-command and source-address into the certificate, where sshd enforces them', async () => {
    const { key } = await issueTo(grantFor(2), { forceCommand: 'echo forced', sourceAddress: '127.0.0.1/32' });
    const described = spawnSync('ssh-keygen', ['-L', '-f', `${key.path}-cert.pub`], { encoding: 'utf8' }).stdout;
    expect(described).toMatch(/force-command echo forced/);
    expect(described).toMatch(/source-address 127\.0\.0\.1\/32/);
    expect(sshd.login({ identity: key.path, command: 'echo asked' })).toMatchObject({ code: 0, stdout: 'forced\n' });
  });

  it('revoke writes the serial into the KRL sshd reads: the same key and certificate are refused; verify reads it back', async () => {
    const grant = grantFor(3);
    const { key } = await issueTo(grant);
    const ssh = issuer();
    expect(await ssh.verifyRevoked(grant)).toBe(false);
    // The store is what a revocation rewrites the KRL from: the grant has ended there first.
    await ssh.revoke({ ...grant, state: 'revoked' });
    expect(await ssh.verifyRevoked(grant)).toBe(true);
    const refused = sshd.login({ identity: key.path });
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied \(publickey\)/);
    expect(spawnSync('ssh-keygen', ['-Q', '-f', sshd.krl, `${key.path}-cert.pub`], { encoding: 'utf8' }).stdout).toContain('REVOKED');
  });

  it('through the broker: each revocation adds its serial to the KRL, keeping the earlier ones, and is verified', async () => {
    const broker = await testBroker(`roles:
  prod-ssh:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    issuer: { type: ssh, ca: 'file:${sshd.caKey}', principals: [${sshd.user}], krl: '${sshd.krl}' }
`);
    try {
      const ca = ed25519Blob(readOpenSshEd25519PrivateKey(readFileSync(sshd.caKey, 'utf8')).raw);
      const request = () => broker.broker.request(operator, { role: 'prod-ssh', ticket: 'OPS-1', owner: liveOwner(), publicKey: sessionKey().publicKey });
      const [first, second] = [await request(), await request()];
      expect(first.clientStep?.type).toBe('ssh-agent');
      expect(await broker.broker.revoke(operator, first.grant.id, 'exit')).toMatchObject({ revocation: 'verified' });
      expect(await broker.broker.revoke(operator, second.grant.id, 'exit')).toMatchObject({ revocation: 'verified' });
      const krl = readFileSync(sshd.krl);
      expect([revokesSerial(krl, ca, serialOf(first.grant.id)), revokesSerial(krl, ca, serialOf(second.grant.id))]).toEqual([true, true]);
      // Nothing signed, nothing to revoke: a request without a session key ends verified at once.
      await expect(broker.broker.request(operator, { role: 'prod-ssh', ticket: 'OPS-1', owner: liveOwner() })).rejects.toThrow(/carried no session key/);
      expect((await broker.broker.grants(operator)).at(-1)).toMatchObject({ state: 'revoked', revokeReason: 'issue_failed', revocation: 'verified' });
      // A team broker publishes the KRL, unauthenticated, for hosts to fetch into their RevokedKeys file.
      const verifier = callers(new OperatorTokenVerifier({ issuer: 'https://idp.invalid', audience: 'jit', algorithms: ['ES256'], usernameClaim: 'sub', groupsClaim: 'groups', leewaySeconds: 30 }));
      const app = buildBrokerApp({ broker: broker.broker, verifier });
      try {
        const published = await app.inject({ method: 'GET', url: '/ssh/krl/prod-ssh' });
        expect(published.statusCode).toBe(200);
        expect(published.headers['content-type']).toBe('application/octet-stream');
        expect(published.rawPayload.equals(readFileSync(sshd.krl))).toBe(true);
        expect((await app.inject({ method: 'GET', url: '/ssh/krl/no-such-role' })).statusCode).toBe(404);
        expect((await app.inject({ method: 'GET', url: '/ssh/krl/..%2Fetc' })).statusCode).toBe(400);
      } finally {
        await app.close();
      }
    } finally {
      broker.remove();
    }
  });

  it('adds to the KRL as it finds it: a serial revoked by hand, and another CA’s revocations, stay revoked', async () => {
    const byHand = await issueTo(grantFor(30));
    spawnSync('ssh-keygen', ['-q', '-k', '-u', '-f', sshd.krl, '-s', `${sshd.caKey}.pub`, `${byHand.key.path}-cert.pub`]);
    const otherCa = join(keys, 'other-ca');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherCa]);
    const otherKey = sessionKey();
    spawnSync('ssh-keygen', ['-q', '-s', otherCa, '-I', 'other', '-n', sshd.user, '-z', '777', `${otherKey.path}.pub`]);
    spawnSync('ssh-keygen', ['-q', '-k', '-u', '-f', sshd.krl, '-s', `${otherCa}.pub`, `${otherKey.path}-cert.pub`]);
    const revokedBefore = [byHand.key.path, otherKey.path].map((path) => spawnSync('ssh-keygen', ['-Q', '-f', sshd.krl, `${path}-cert.pub`], { encoding: 'utf8' }).stdout);
    expect(revokedBefore.every((line) => line.includes('REVOKED'))).toBe(true);
    const grant = grantFor(31);
    const { key } = await issueTo(grant);
    await issuer().revoke(grant);
    for (const path of [byHand.key.path, otherKey.path, key.path]) {
      expect(spawnSync('ssh-keygen', ['-Q', '-f', sshd.krl, `${path}-cert.pub`], { encoding: 'utf8' }).stdout).toContain('REVOKED');
    }
    expect(sshd.login({ identity: byHand.key.path }).code).toBe(255);
  });

  it('issues nothing when the KRL cannot be added to (no such directory, not a KRL): 78, nothing to revoke', async () => {
    const error = await failure(issuer({ krl: '/nonexistent-dir/revoked.krl' }).issue(grantFor(32), { publicKey: sessionKey().publicKey }));
    expect(error).toBeInstanceOf(NothingIssued);
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toMatch(/^the KRL \/nonexistent-dir\/revoked\.krl cannot be added to: /);
    const notKrl = join(keys, 'not-a-krl');
    writeFileSync(notKrl, 'hello');
    expect((await failure(issuer({ krl: notKrl }).issue(grantFor(33), { publicKey: sessionKey().publicKey }))).message).toContain('not an OpenSSH KRL');
  });

  it('a certificate past its end is refused by sshd whatever the KRL says', async () => {
    const grant = grantFor(6, 1500);
    const { key } = await issueTo(grant);
    expect(sshd.login({ identity: key.path }).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const refused = sshd.login({ identity: key.path });
    expect(refused.code).toBe(255);
  });

  it('refuses a request without a session key (64), and a CA key with a passphrase without showing it (78)', async () => {
    const missing = await failure(issuer().issue(grantFor(7), {}));
    expect(missing.exitCode).toBe(ExitCode.usage);
    expect((await failure(issuer().issue(grantFor(7), { publicKey: 'ssh-rsa AAAAB3NzaC1yc2E' }))).exitCode).toBe(ExitCode.usage);
    const locked = join(keys, 'locked-ca');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', locked]);
    const error = await failure(issuer({ ca: `file:${locked}` }).issue(grantFor(8), { publicKey: sessionKey().publicKey }));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toBe(`the ssh issuer's CA key (file:${locked}): the key has a passphrase; jit needs it without one (keep the file private instead)`);
  });
});
