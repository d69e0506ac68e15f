// A credential never stays in the keychain without a live grant: after kill -9 of jit, even if the
// next run cannot reach the keychain, a later run that can removes it; until then doctor and status say so.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { readPid } from '../support/waits.js';

const sandboxes = useKeyringSandboxes();
const { keyring } = sandboxes;

/**
 * A sandbox pinned to the Secret Service: these tests make it unreachable with a dead D-Bus address,
 * which `keychain: auto` would answer by using the kernel keyring instead.
 */
function box() {
  const jit = sandboxes.box();
  mkdirSync(jit.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(jit.configDir, 'config.yaml'), 'keychain: secret-service\n', { mode: 0o600 });
  return jit;
}

describe('keychain entries of dead sessions', () => {
  it('are removed by the first run that reaches the keychain, however many runs could not', async () => {
    const jit = box();
    const marker = join(jit.home, 'started');
    const child = jit.spawn(['exec', '-t', 'OPS-1', '-r', 'demo', '--', 'sh', '-c', `echo $$ > ${marker}; exec sleep 30`]);
    await readPid(marker);
    const [accountOfGrant] = await keyring().jitAccounts();
    expect(accountOfGrant).toMatch(/^g_/);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));

    // No Secret Service reachable: the grant is revoked at its target, the keychain entry cannot go yet.
    const noKeychain = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(jit.home, 'no-such-bus')}` };
    const blind = await jit.run(['roles'], { env: noKeychain });
    expect(blind.code).toBe(0);
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'orphaned', revocation: 'verified' }]);
    expect(await keyring().jitAccounts()).toEqual([accountOfGrant]);
    // A command that does not need the keychain stays quiet about it; status and doctor show it.
    expect(blind.stderr).not.toContain('keychain');
    const status = await jit.run(['status', '--json'], { env: noKeychain });
    expect(JSON.parse(status.stdout).pendingKeychainCleanup).toEqual([accountOfGrant]);
    const doctor = await jit.run(['doctor', '--json'], { env: noKeychain });
    const check = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'keychain cleanup');
    expect(check).toMatchObject({ status: 'fail' });
    expect(check.detail).toContain(accountOfGrant);
    // Another run that cannot reach it changes nothing…
    await jit.run(['audit', 'standing'], { env: noKeychain });

    // …and the first that can, removes it.
    const seeing = await jit.run(['status']);
    expect(seeing.code).toBe(0);
    expect(await keyring().jitAccounts()).toEqual([]);
    const after = await jit.run(['status', '--json']);
    expect(JSON.parse(after.stdout).pendingKeychainCleanup).toEqual([]);
  });

  it('jit revoke revokes at the target even when the keychain cannot be reached', async () => {
    const jit = box();
    const marker = join(jit.home, 'started');
    const exec = jit.spawn(['exec', '-t', 'OPS-2', '-r', 'demo', '--', 'sh', '-c', `echo $$ > ${marker}; exec sleep 30`]);
    await readPid(marker);
    const revoke = await jit.run(['revoke', '--all', '--yes'], { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(jit.home, 'no-such-bus')}` } });
    expect(revoke.stderr).toContain('could not remove');
    expect(revoke.code).toBe(0);
    expect(await new Promise((resolve) => exec.on('exit', resolve))).toBe(75);
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'operator', revocation: 'verified' }]);
    // The session's own jit reaches the keychain and clears it as the session ends.
    expect(await keyring().jitAccounts()).toEqual([]);
  });

  it('a keychain entry whose session file is gone is still removed once its grant has ended', async () => {
    const jit = box();
    const marker = join(jit.home, 'started');
    // The session removes its own mark, then jit is killed: only the grant and the keychain know.
    const exec = jit.spawn(['exec', '-t', 'OPS-3', '-r', 'demo', '--', 'sh', '-c', `rm -f ${jit.stateDir}/sessions/*.json; echo $$ > ${marker}; exec sleep 30`]);
    await readPid(marker);
    expect(await keyring().jitAccounts()).toHaveLength(1);
    exec.kill('SIGKILL');
    await new Promise((resolve) => exec.on('exit', resolve));
    expect((await jit.run(['status'])).code).toBe(0);
    expect(await keyring().jitAccounts()).toEqual([]);
  });
});
