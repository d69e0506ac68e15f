// A real Secret Service for tests: a private D-Bus session bus and an unlocked gnome-keyring,
// in a temporary HOME. The developer's own keychain and session bus are never touched.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SecretService {
  /** Variables a process needs to reach this Secret Service (and nothing of the developer's). */
  env: Record<string, string>;
  /** The accounts stored under service `jit`, read with secret-tool, independently of jit. */
  jitAccounts(): Promise<string[]>;
  stop(): Promise<void>;
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline >= 0) resolve(buffer.slice(0, newline).trim());
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before printing its address`)));
  });
}

export async function startSecretService(): Promise<SecretService> {
  const home = mkdtempSync(join(tmpdir(), 'jit-keyring-'));
  const runtime = join(home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_RUNTIME_DIR: runtime, LANG: 'C.UTF-8' };
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', `--address=unix:path=${join(runtime, 'bus')}`], {
    env: base,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const address = await firstLine(bus);
  const env = { ...base, DBUS_SESSION_BUS_ADDRESS: address };
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  keyring.stdin!.end('throwaway-test-password');
  // Wait until *this* daemon owns org.freedesktop.secrets. Asking the name itself (a Ping) before then
  // makes the bus activate a second gnome-keyring from its .service file, without the password; when
  // that one wins the name, there is no login collection and every write fails ("no result found").
  const askBus = (method: string, arg: string) =>
    run('gdbus', ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', `org.freedesktop.DBus.${method}`, arg], { env })
      .then(({ stdout }) => stdout, () => '');
  let ready = false;
  for (let attempt = 0; attempt < 100 && !ready; attempt++) {
    ready = (await askBus('NameHasOwner', 'org.freedesktop.secrets')).includes('true');
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!ready) throw new Error('gnome-keyring did not come up on the private bus within 10 s');
  const owner = Number(/uint32 (\d+)/.exec(await askBus('GetConnectionUnixProcessID', 'org.freedesktop.secrets'))?.[1]);
  if (owner !== keyring.pid) throw new Error(`org.freedesktop.secrets on the private bus is pid ${owner}, not the gnome-keyring started here (${keyring.pid})`);
  // Then until its default collection (the login keyring, unlocked with the password) is there.
  const defaultCollection = () =>
    run('gdbus', ['call', '--session', '--dest', 'org.freedesktop.secrets', '--object-path', '/org/freedesktop/secrets', '--method', 'org.freedesktop.Secret.Service.ReadAlias', 'default'], { env })
      .then(({ stdout }) => /collection\//.test(stdout), () => false);
  for (let attempt = 0; attempt < 100 && !(await defaultCollection()); attempt++) {
    if (attempt === 99) throw new Error('gnome-keyring on the private bus has no default collection after 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    env,
    async jitAccounts() {
      // secret-tool prints the secret on stdout and the attributes on stderr.
      const { stderr } = await run('secret-tool', ['search', '--all', 'service', 'jit'], { env });
      return [...stderr.matchAll(/^attribute\.username = (.+)$/gm)].map((match) => match[1]!.trim());
    },
    async stop() {
      keyring.kill('SIGTERM');
      bus.kill('SIGTERM');
      rmSync(home, { recursive: true, force: true });
    },
  };
}
