// A throwaway OpenSSH server from Debian's openssh-server: a loopback port chosen at run time, its own
// host key, a user CA it trusts (TrustedUserCAKeys) and a KRL it reads at every login (RevokedKeys).
// Logins are for the account running the tests, by certificate only. Stopped and removed by `stop()`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

export const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((path) => existsSync(path));

export interface Sshd {
  port: number;
  dir: string;
  /** The CA's private key file (0600), for the issuer's `ca: file:…`. */
  caKey: string;
  /** The file sshd's RevokedKeys names. */
  krl: string;
  /** The login name certificates must carry as a principal. */
  user: string;
  /** One login that runs `command`; by certificate from `identity` (a key file with KEY-cert.pub beside it) or from the agent at `agentSocket`. */
  login(options: { identity?: string; agentSocket?: string; command?: string }): { code: number | null; stdout: string; stderr: string };
  /** A script that logs in with the agent SSH_AUTH_SOCK names and runs its arguments there: for inside a session. */
  loginScript: string;
  stop(): Promise<void>;
}

function run(file: string, args: string[]): string {
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('data', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startSshd(): Promise<Sshd> {
  if (!SSHD) throw new Error('sshd is not installed (apt-get install openssh-server)');
  const dir = mkdtempSync(join(tmpdir(), 'jit-sshd-'));
  const user = userInfo().username;
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jit test host', '-f', join(dir, 'host_key')]);
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jit test CA', '-f', join(dir, 'ca')]);
  const krl = join(dir, 'revoked.krl');
  // An empty KRL: sshd refuses every key when the file it names cannot be read.
  run('ssh-keygen', ['-q', '-k', '-f', krl]);
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `TrustedUserCAKeys ${join(dir, 'ca.pub')}`,
      `RevokedKeys ${krl}`,
      'AuthorizedKeysFile none',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  // Privilege separation needs its empty directory when sshd runs as root.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const server: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  for (let waited = 0; !(await answers(port)); waited += 50) {
    if (server.exitCode !== null || waited > 10_000) throw new Error(`sshd did not start: ${log}`);
    await sleep(50);
  }
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(join(dir, 'host_key.pub'), 'utf8')}`);
  const options = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'ConnectTimeout=5', '-p', String(port)];
  const loginScript = join(dir, 'ssh-login');
  writeFileSync(loginScript, `#!/bin/sh\nexec ssh ${options.join(' ')} ${user}@127.0.0.1 "$@"\n`, { mode: 0o755 });
  return {
    loginScript,
    port,
    dir,
    caKey: join(dir, 'ca'),
    krl,
    user,
    login({ identity, agentSocket, command = 'true' }) {
      const args = [...options];
      if (identity) args.push('-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', identity, '-o', `CertificateFile=${identity}-cert.pub`);
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...(agentSocket ? { SSH_AUTH_SOCK: agentSocket } : {}) };
      const result = spawnSync('ssh', [...args, `${user}@127.0.0.1`, command], { encoding: 'utf8', timeout: 20_000, env });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    async stop() {
      server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
