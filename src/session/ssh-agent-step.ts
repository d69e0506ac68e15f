// The ssh issuer's step on the operator's machine: a session ssh-agent (OpenSSH's own) holding the
// session key and its certificate until the grant ends, found by the session through SSH_AUTH_SOCK,
// and ended with the session — and with jit, even under kill -9. A small shell keeper, in a process
// group of its own (the terminal's Ctrl-C is the session's, not the agent's), starts the agent, tells
// jit its pid, and ends it when its stdin, a pipe only jit holds, closes. (A parent-death signal would not
// do: Debian installs ssh-agent set-group-id, and exec'ing such a program clears it.) At the session's
// end jit kills the agent itself: the session's own processes could have stopped the keeper.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JitError } from '../core/errors.js';
import { ed25519Seed, rawEd25519PublicKey } from '../platform/ssh-keys.js';
import { SshReader, SshWriter } from '../platform/ssh-wire.js';
import type { SessionKey } from './session-key.js';

const ADD_ID_CONSTRAINED = 25;
const CONSTRAIN_LIFETIME = 1;
const AGENT_SUCCESS = 6;
const START_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 3000;

/**
 * Deaf to the terminal's signals; starts the agent once told to (after it has been moved out of the
 * session's cgroup), and ends it at the end of its stdin, however jit ended.
 */
const KEEPER = `trap '' HUP INT QUIT TERM
read -r go || exit 0
ssh-agent -D -a "$1" -t "$2" </dev/null >/dev/null 2>&1 &
agent=$!
echo "$agent"
cat >/dev/null
kill -TERM "$agent" 2>/dev/null
wait "$agent"
rm -f "$1"
rmdir "$(dirname "$1")" 2>/dev/null`;

export interface SessionAgent {
  env: { SSH_AUTH_SOCK: string };
  stop(): Promise<void>;
}

function agentUnavailable(message: string, cause?: unknown): JitError {
  return new JitError('os', `cannot start the session's ssh-agent: ${message}`, { hint: 'install OpenSSH’s client (Debian: openssh-client)', cause });
}

/** One request to the agent and its one-byte answer. */
function ask(socket: string, message: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket);
    const timer = setTimeout(() => connection.destroy(new Error('the agent did not answer')), START_TIMEOUT_MS);
    let answer = Buffer.alloc(0);
    connection.on('data', (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      if (answer.length >= 5) {
        clearTimeout(timer);
        connection.end();
        resolve(new SshReader(answer.subarray(4, 5)).byte());
      }
    });
    connection.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    connection.write(Buffer.concat([new SshWriter().uint32(message.length).toBuffer(), message]));
  });
}

/**
 * `ask`, as soon as the agent listens: its socket file appears when it binds, a moment before it accepts
 * connections, and a connection in between is refused.
 */
async function askOnceListening(socket: string, message: Buffer): Promise<number> {
  for (let waited = 0; ; waited += 10) {
    try {
      return await ask(socket, message);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || waited >= START_TIMEOUT_MS) throw error;
      await sleep(10);
    }
  }
}

/** Whether `pid` is still the agent serving `socket` (not a process that got its pid since). */
function isAgent(pid: number, socket: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(socket);
  } catch {
    return false;
  }
}

/**
 * Kills the agent (SIGKILL: it holds nothing worth a goodbye), closes the keeper's stdin and waits for
 * it, then checks that the agent is gone. SECURITY: throws when it is not, so the session's end says so.
 */
async function stopAgent(keeper: ChildProcess, agentPid: number | undefined, socket: string, dir: string): Promise<void> {
  if (agentPid !== undefined && isAgent(agentPid, socket)) {
    try {
      process.kill(agentPid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  if (keeper.exitCode === null && keeper.signalCode === null) {
    const exited = new Promise((resolve) => keeper.once('exit', resolve));
    keeper.stdin!.end();
    const stubborn = setTimeout(() => keeper.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(stubborn);
  }
  rmSync(dir, { recursive: true, force: true });
  for (let waited = 0; agentPid !== undefined && isAgent(agentPid, socket); waited += 10) {
    if (waited >= STOP_TIMEOUT_MS) throw new Error(`the session's ssh-agent (pid ${agentPid}) did not end`);
    await sleep(10);
  }
}

/** The first line the keeper writes: the agent's pid. */
function agentPidOf(keeper: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    keeper.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const line = /^([1-9][0-9]{0,9})\n/.exec(text);
      if (line) resolve(Number(line[1]));
    });
    keeper.once('exit', () => reject(agentUnavailable('ssh-agent did not start')));
  });
}

/**
 * Starts the agent, hands it key and certificate for `lifetimeSeconds`, and returns how to reach and end
 * it. `release` is told the keeper's pid before the agent starts, to move it out of the session's cgroup.
 */
export async function startSessionAgent(key: SessionKey, certificate: string, lifetimeSeconds: number, release: (pid: number) => void): Promise<SessionAgent> {
  const [, body = '', comment = 'jit session'] = certificate.split(' ');
  // A directory of our own (mkdtemp: 0700), as ssh-agent makes its own: nobody else may reach the socket.
  const dir = mkdtempSync(join(tmpdir(), 'jit-agent-'));
  const socket = join(dir, 'agent.sock');
  const lifetime = Math.max(1, lifetimeSeconds);
  const keeper = spawn('/bin/sh', ['-c', KEEPER, 'jit-agent-keeper', socket, String(lifetime)], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
  keeper.stdin!.on('error', () => {});
  let agentPid: number | undefined;
  try {
    const failed = new Promise<never>((_, reject) => keeper.once('error', (error) => reject(agentUnavailable(error.message, error))));
    failed.catch(() => {});
    if (keeper.pid !== undefined) release(keeper.pid);
    const started = agentPidOf(keeper);
    started.catch(() => {});
    keeper.stdin!.write('go\n');
    let timer: NodeJS.Timeout | undefined;
    const tooLate = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(agentUnavailable('it did not start in time')), START_TIMEOUT_MS)));
    tooLate.catch(() => {});
    try {
      agentPid = await Promise.race([started, failed, tooLate]);
    } finally {
      clearTimeout(timer);
    }
    for (let waited = 0; !existsSync(socket); waited += 10) {
      if (keeper.exitCode !== null) throw agentUnavailable('ssh-agent did not start');
      if (waited >= START_TIMEOUT_MS) throw agentUnavailable(`its socket did not appear within ${START_TIMEOUT_MS / 1000}s`);
      await Promise.race([sleep(10), failed]);
    }
    const raw = rawEd25519PublicKey(key.privateKey);
    const add = new SshWriter()
      .byte(ADD_ID_CONSTRAINED)
      .string('ssh-ed25519-cert-v01@openssh.com')
      .string(Buffer.from(body, 'base64'))
      .string(raw)
      .string(Buffer.concat([ed25519Seed(key.privateKey), raw]))
      .string(comment)
      .byte(CONSTRAIN_LIFETIME)
      .uint32(lifetime)
      .toBuffer();
    if ((await askOnceListening(socket, add)) !== AGENT_SUCCESS) throw agentUnavailable('it refused the session key and certificate');
  } catch (error) {
    await stopAgent(keeper, agentPid, socket, dir).catch(() => {});
    throw error instanceof JitError ? error : agentUnavailable((error as Error).message, error);
  }
  let stopped: Promise<void> | undefined;
  return { env: { SSH_AUTH_SOCK: socket }, stop: () => (stopped ??= stopAgent(keeper, agentPid, socket, dir)) };
}
