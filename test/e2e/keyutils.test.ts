// The kernel keyring (keyutils) as jit's keychain on a headless machine: each test runs jit in a
// throwaway session keyring of its own (`keyctl session -`), with no D-Bus session, as on a server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, JIT_BIN, sandbox, type Sandbox } from '../support/jit.js';

// SKIP: without keyctl (scripts/test.sh installs keyutils) or where the kernel bars keyrings (a container's seccomp profile).
const usable = spawnSync('keyctl', ['session', '-', 'true'], { stdio: 'ignore' }).status === 0;
const boxes: Sandbox[] = [];
afterEach(() => boxes.splice(0).forEach((box) => box.remove()));

function headlessBox(keychain?: string): Sandbox {
  const box = sandbox();
  boxes.push(box);
  if (keychain) {
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(box.configDir, 'config.yaml'), `keychain: ${keychain}\n`, { mode: 0o600 });
  }
  return box;
}

/** Runs a bash script in a new session keyring, with $JIT the built binary. */
async function inSessionKeyring(box: Sandbox, script: string, env: Record<string, string> = {}) {
  const child = spawn('keyctl', ['session', '-', 'bash', '-c', `set -u\n${script}`], { env: { ...box.env, JIT: JIT_BIN, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const result = await collect(child, 25_000);
  return { ...result, stderr: result.stderr.replace(/^Joined session keyring: \d+\n/m, '') };
}

function grants(box: Sandbox) {
  const db = box.db();
  try {
    return db.prepare('SELECT state, revoke_reason, revocation FROM grants').all();
  } finally {
    db.close();
  }
}

// Inside the command: is the credential in this session's keyring, and is it the one injected?
const CHECK_INSIDE = `sh -c 'id=$(keyctl search @s user "keyring:$JIT_SESSION@jit") && [ "$(keyctl pipe "$id")" = "{\\"JIT_TOKEN\\":\\"$JIT_TOKEN\\"}" ] && echo "$JIT_SESSION"'`;
const EXEC_AND_LOOK = `
grant=$("$JIT" exec -t DEMO-1 -r demo -- ${CHECK_INSIDE}) || exit $?
echo "inside: $grant"
if keyctl search @s user "keyring:$grant@jit" >/dev/null 2>&1; then echo "after: present"; else echo "after: gone"; fi`;

// Skipped only where `keyctl session` cannot make a session keyring (keyutils missing, or keyctl denied); scripts/test.sh installs keyutils.
describe.skipIf(!usable)('the kernel keyring as the keychain (needs `keyctl session`)', () => {
  it('keychain: keyutils holds the credential in the session keyring while the command runs, and not after', async () => {
    const box = headlessBox('keyutils');
    const result = await inSessionKeyring(box, EXEC_AND_LOOK);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^inside: g_[0-9a-z]{26}\nafter: gone\n$/);
    expect(grants(box)).toEqual([{ state: 'revoked', revoke_reason: 'exit', revocation: 'verified' }]);
  });

  it('auto with no D-Bus session takes the kernel keyring, and doctor says which and why', async () => {
    const box = headlessBox();
    const result = await inSessionKeyring(box, `${EXEC_AND_LOOK}\n"$JIT" doctor --json`);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^inside: g_[0-9a-z]{26}\nafter: gone\n/);
    const keychain = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))).checks[0];
    expect(keychain).toMatchObject({ name: 'keychain', status: 'ok' });
    expect(keychain.detail).toMatch(/^kernel keyring \(keyutils\), from auto: no D-Bus session \(DBUS_SESSION_BUS_ADDRESS is not set\); reachable and unlocked/);
  });

  it('auto with a session bus that offers no Secret Service takes the kernel keyring too', async () => {
    const box = headlessBox();
    const result = await inSessionKeyring(box, '"$JIT" doctor --json', { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(box.home, 'no-bus')}` });
    const keychain = JSON.parse(result.stdout).checks[0];
    expect(keychain.status).toBe('ok');
    expect(keychain.detail).toMatch(/^kernel keyring \(keyutils\), from auto: no Secret Service on the session D-Bus \(.*no-bus/);
  });

  it('a grant whose jit was killed with -9 has its credential removed from the keyring by the next run', async () => {
    const box = headlessBox('keyutils');
    const result = await inSessionKeyring(box, `
"$JIT" exec -t DEMO-2 -r demo -- sh -c 'echo "$JIT_SESSION" > "$HOME/grant"; exec sleep 30' &
pid=$!
for _ in $(seq 200); do [ -s "$HOME/grant" ] && break; sleep 0.05; done
grant=$(cat "$HOME/grant")
keyctl search @s user "keyring:$grant@jit" >/dev/null && echo "before: present"
kill -9 "$pid"; wait "$pid" 2>/dev/null
"$JIT" status >/dev/null
if keyctl search @s user "keyring:$grant@jit" >/dev/null 2>&1; then echo "after: present"; else echo "after: gone"; fi`);
    expect(result.stdout).toBe('before: present\nafter: gone\n');
    expect(result.stderr).toMatch(/^jit: revoked g_[0-9a-z]{26}, which had outlived its session or TTL\n$/);
    expect(grants(box)).toEqual([{ state: 'revoked', revoke_reason: 'orphaned', revocation: 'verified' }]);
  });

  it('auto with neither a Secret Service nor a usable session keyring: exit 71 naming both ways out, grant revoked, nothing left', async () => {
    const box = headlessBox();
    // A session keyring this process may not write to (no possessor write permission).
    const result = await inSessionKeyring(box, `keyctl setperm @s 0x3b030000 && "$JIT" exec -t DEMO-3 -r demo -- true; code=$?; keyctl rlist @s; exit $code`);
    expect(result.code).toBe(71);
    expect(result.stderr).toContain('jit: the OS keychain is not available (write, keyutils)');
    expect(result.stderr).toContain('→ jit needs either a running, unlocked Secret Service');
    expect(result.stderr).toContain('DBUS_SESSION_BUS_ADDRESS');
    expect(result.stderr).toContain('keyctl session - jit');
    expect(result.stdout.trim()).toBe('');
    expect(grants(box)).toEqual([{ state: 'revoked', revoke_reason: 'keychain_unavailable', revocation: 'verified' }]);
  });
});

describe('keychain: secret-service', () => {
  it('without a D-Bus session fails with exit 71 and names the setting', async () => {
    const box = headlessBox('secret-service');
    const result = await box.run(['exec', '-t', 'DEMO-4', '-r', 'demo', '--', 'true']);
    expect(result.code).toBe(71);
    expect(result.stderr).toContain('the OS keychain is not available (write, secret-service)');
    expect(result.stderr).toContain('→ keychain: secret-service (config.yaml) needs a running, unlocked Secret Service');
  });
});
