// SSH certificates end to end: the built `jit` with the embedded broker and the ssh issuer, a session
// ssh-agent holding the session key and its certificate, a real sshd that trusts the CA and reads the KRL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, JIT_BIN } from '../support/jit.js';
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

  it('revocations by several jit processes at once each land in the KRL (a lock between them)', async () => {
    const jit = sshBox();
    // Started one after another (what is under test is the revocations at once), each waited for.
    const sessions: { seen: string; ended: ReturnType<typeof collect> }[] = [];
    const started: string[][] = [];
    for (const n of [1, 2, 3, 4]) {
      const seen = join(jit.home, `seen${n}`);
      const child = jit.spawn(['exec', '-t', `OPS-${10 + n}`, '-r', 'prod-ssh', '--', 'sh', '-c', `{ printf '%s\\n' "$JIT_SESSION"; ssh-add -L; } > ${seen}.tmp && mv ${seen}.tmp ${seen} && exec sleep 30`]);
      const ended = collect(child, 60_000);
      sessions.push({ seen, ended });
      const lines = await Promise.race([
        until('a session to start', () => existsSync(seen) && readFileSync(seen, 'utf8').split('\n'), 20_000),
        ended.then((result) => Promise.reject(new Error(`a session ended before it started: ${result.code} ${result.stderr}`))),
      ]);
      started.push(lines);
    }
    const revokes = await Promise.all(started.map(([grantId]) => jit.run(['revoke', grantId!])));
    expect(revokes.map((result) => result.code)).toEqual([0, 0, 0, 0]);
    await Promise.all(sessions.map(({ ended }) => ended));
    for (const { seen } of sessions) {
      writeFileSync(`${seen}.cert`, readFileSync(seen, 'utf8').split('\n')[1]!);
      expect(revoked(`${seen}.cert`)).toContain('REVOKED');
    }
  });

  it('the session agent ends with the session even when the session stopped its keeper and kept a link to its socket', async () => {
    const jit = sshBox();
    const kept = join(jit.home, 'kept.sock');
    // The agent's parent is its keeper: stopped, it cannot end the agent at its end of file.
    const stopKeeper = 'kill -STOP $(ps -o ppid= -p $(pgrep -f "ssh-agent -D -a $SSH_AUTH_SOCK"))';
    const result = await jit.run(['exec', '-t', 'OPS-4', '-r', 'prod-ssh', '--', 'sh', '-c', `${stopKeeper}; ln "$SSH_AUTH_SOCK" ${kept}; ssh-add -L >/dev/null && echo held`]);
    expect(result).toMatchObject({ code: 0, stdout: 'held\n' });
    const listed = spawnSync('ssh-add', ['-L'], { encoding: 'utf8', env: { ...process.env, SSH_AUTH_SOCK: kept } });
    expect(listed.status).not.toBe(0);
    expect(listed.stdout).not.toContain('cert');
  });

  it('Ctrl-C at the terminal (SIGINT to jit’s process group) is the session’s: the agent stays', async () => {
    const jit = sshBox();
    const ready = join(jit.home, 'ready');
    // A process group of its own, as a terminal's foreground job has: the signal goes to the whole group.
    const session = spawn(JIT_BIN, ['exec', '-t', 'OPS-5', '-r', 'prod-ssh', '--', 'sh', '-c', `trap "" INT; touch ${ready}; sleep 1; ssh-add -L >/dev/null && echo still`], {
      env: jit.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const ended = collect(session, 30_000);
    await until('the session to start', () => existsSync(ready));
    process.kill(-session.pid!, 'SIGINT');
    expect(await ended).toMatchObject({ code: 0, stdout: 'still\n' });
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
