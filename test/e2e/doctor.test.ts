// `jit doctor`: each check passes on a healthy set-up, and each fault is named with its fix.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../support/jit.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';

const sandboxes = useKeyringSandboxes();
let box: Sandbox;

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

async function doctor(env: Record<string, string> = {}) {
  const result = await box.run(['doctor', '--json'], { env: { SHELL: '/bin/bash', ...env } });
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
  return { code: result.code, report, check: (name: string) => report.checks.find((check) => check.name === name)! };
}

describe('jit doctor', () => {
  it('passes every check on a fresh set-up, advises on the shell, and leaves the keychain as it was', async () => {
    box = sandboxes.box();
    const { code, report, check } = await doctor();
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(['keychain', 'state dir', 'config dir', 'config', 'policy', 'backend', 'audit', 'standing', 'clock', 'keychain cleanup', 'prompt', 'completion']);
    expect(check('keychain')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^Secret Service, from auto: the session D-Bus offers a Secret Service; reachable and unlocked/) });
    expect(check('prompt')).toMatchObject({ status: 'warn', fix: expect.stringContaining('jit prompt bash') });
    expect(check('completion')).toMatchObject({ status: 'warn', fix: expect.stringContaining('jit completion bash') });
    expect(await sandboxes.keyring().jitAccounts()).toEqual([]);
  });

  it('sees the prompt and completions set up in ~/.bashrc', async () => {
    box = sandboxes.box();
    writeFileSync(join(box.home, '.bashrc'), 'eval "$(jit prompt bash)"\neval "$(jit completion bash)"\n');
    const { check } = await doctor();
    expect(check('prompt').status).toBe('ok');
    expect(check('completion').status).toBe('ok');
  });

  it('fails a state dir others can read, with the chmod that fixes it (exit 1)', async () => {
    box = sandboxes.box();
    await box.run(['status']);
    chmodSync(box.stateDir, 0o755);
    // Checked before anything else opens the dir (opening it would tighten the mode again).
    const { code, check } = await doctor();
    expect(code).toBe(1);
    expect(check('state dir')).toEqual({ name: 'state dir', status: 'fail', detail: `${box.stateDir} is mode 755`, fix: `chmod 700 ${box.stateDir}` });
  });

  it('fails a broken policy with its file and line (exit 1)', async () => {
    box = sandboxes.box();
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(box.configDir, 'policy.yaml'), 'roles:\n  demo:\n    ttl: { default: 15m, max: forever }\n', { mode: 0o600 });
    const { code, check } = await doctor();
    expect(code).toBe(1);
    expect(check('policy').status).toBe('fail');
    expect(check('policy').detail).toMatch(/policy\.yaml:3:/);
    expect(check('backend').status).toBe('fail');
  });

  it('fails an unreachable keychain with advice (exit 1)', async () => {
    box = sandboxes.box();
    // Pinned: auto would fall back to the kernel keyring (test/e2e/keyutils.test.ts covers that).
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(box.configDir, 'config.yaml'), 'keychain: secret-service\n', { mode: 0o600 });
    const { code, check } = await doctor({ DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(box.home, 'no-bus')}` });
    expect(code).toBe(1);
    expect(check('keychain').status).toBe('fail');
    expect(check('keychain').detail).toMatch(/^Secret Service, from keychain: secret-service in config\.yaml: the OS keychain is not available/);
    expect(check('keychain').fix).toContain('DBUS_SESSION_BUS_ADDRESS');
  });

  it('prints each check with its fix for a person', async () => {
    box = sandboxes.box();
    const result = await box.run(['doctor'], { env: { SHELL: '/bin/bash' } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok {2}\s*keychain\s+Secret Service, from auto: the session D-Bus offers a Secret Service; reachable and unlocked/m);
    expect(result.stdout).toMatch(/^warn\s+prompt\s+bash: the prompt segment is not set up\n\s+→ echo 'eval "\$\(jit prompt bash\)"' >> ~\/\.bashrc/m);
  });
});
