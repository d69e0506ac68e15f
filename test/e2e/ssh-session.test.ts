// SSH certificates end to end: the built `jit` with the embedded broker and the ssh issuer, a session
// ssh-agent holding the session key and its certificate, a real sshd that trusts the CA and reads the KRL.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../support/jit.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { until } from '../support/waits.js';

const { box, keyring } = useKeyringSandboxes();
let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd();
}, 30_000);
afterAll(async () => sshd?.stop());

function sshBox() {
  const jit = box();
  mkdirSync(jit.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(jit.configDir, 'policy.yaml'),
    `roles:
  prod-ssh:
    ttl: { default: 10m, max: 1h }
    requesters: ['*']
    issuer: { type: ssh, ca: 'file:${sshd.caKey}', principals: [${sshd.user}], krl: '${sshd.krl}' }
`,
    { mode: 0o600 },
  );
  return jit;
}

const revoked = (certificates: string) => spawnSync('ssh-keygen', ['-Q', '-f', sshd.krl, certificates], { encoding: 'utf8' }).stdout;

describe('ssh certificates in a session', () => {
  it('ssh logs in through the session agent; afterwards the agent is gone and the certificate is in the KRL', async () => {
    const jit = sshBox();
    const seen = join(jit.home, 'seen');
    const result = await jit.run([
      'exec', '-t', 'OPS-1', '-r', 'prod-ssh', '--',
      'sh', '-c', `ssh-add -L > ${seen}.certs && echo "$SSH_AUTH_SOCK" > ${seen}.socket && ${sshd.loginScript} echo inside`,
    ]);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: 'inside\n' });
    // The agent held the certificate (and the key, which never touched a file).
    expect(readFileSync(`${seen}.certs`, 'utf8')).toMatch(/^ssh-ed25519-cert-v01@openssh\.com \S+ g_[0-9a-z]{26}\n$/);
    expect(existsSync(readFileSync(`${seen}.socket`, 'utf8').trim())).toBe(false);
    expect(revoked(`${seen}.certs`)).toContain('REVOKED');
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'exit', revocation: 'verified' }]);
    expect(await keyring().jitAccounts()).toEqual([]);
    expect((await jit.run(['audit', 'verify'])).code).toBe(0);
  });

  it('`jit revoke` from elsewhere ends a session holding an ssh login (75); its certificate is revoked', async () => {
    const jit = sshBox();
    const seen = join(jit.home, 'seen');
    const session = jit.spawn(['exec', '-t', 'OPS-2', '-r', 'prod-ssh', '--', 'sh', '-c', `ssh-add -L > ${seen}.tmp && mv ${seen}.tmp ${seen} && ${sshd.loginScript} sleep 60`]);
    const ended = collect(session, 30_000);
    await until('the session to log in', () => existsSync(seen));
    expect((await jit.run(['revoke', '--all'])).code).toBe(0);
    const result = await ended;
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('was revoked; the session was ended');
    expect(revoked(seen)).toContain('REVOKED');
  });

  it('the session agent dies with jit, even when jit is killed with -9', async () => {
    const jit = sshBox();
    const seen = join(jit.home, 'socket');
    const session = jit.spawn(['exec', '-t', 'OPS-3', '-r', 'prod-ssh', '--', 'sh', '-c', `echo "$SSH_AUTH_SOCK" > ${seen}.tmp && mv ${seen}.tmp ${seen} && exec sleep 60`]);
    const ended = collect(session, 30_000);
    const socket = await until('the session to start', () => existsSync(seen) && readFileSync(seen, 'utf8').trim());
    expect(existsSync(socket)).toBe(true);
    session.kill('SIGKILL');
    await ended;
    await until('the agent to go', () => !existsSync(socket), 5000);
  });
});
