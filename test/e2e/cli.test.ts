// The command-line contract: help with examples everywhere, stable --json, init, version.
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../support/jit.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';

let keyring: SecretService;
let box: Sandbox;

beforeAll(async () => {
  keyring = await startSecretService();
  box = sandbox(keyring.env);
});
afterAll(async () => {
  box?.remove();
  await keyring?.stop();
});

const commands = ['elevate', 'exec', 'status', 'revoke', 'roles', 'audit', 'audit verify', 'audit standing', 'init'];

describe('help', () => {
  it('jit --help lists every command, with examples', async () => {
    const result = await box.run(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['elevate', 'exec', 'status', 'revoke', 'roles', 'audit', 'init']) expect(result.stdout).toContain(command);
    expect(result.stdout).toContain('Examples:');
  });

  it.each(commands)('jit %s --help exits 0 with examples', async (command) => {
    const result = await box.run([...command.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Examples:\n {2}jit /);
    expect(result.stderr).toBe('');
  });

  it('an unknown command is a usage error (64)', async () => {
    const result = await box.run(['frobnicate']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    expect((await box.run(['--version'])).stdout).toBe(`${version}\n`);
  });
});

describe('--json', () => {
  it('roles --json is the documented shape', async () => {
    const result = await box.run(['roles', '--json']);
    expect(JSON.parse(result.stdout)).toEqual({
      roles: [{ name: 'demo', description: expect.any(String), ttl: { default: '15m', max: '1h' }, approvals: 0, approvers: [], pendingTtl: '1h', ticketSystem: 'offline', ticketPattern: '^[A-Z][A-Z0-9_]+-[1-9][0-9]*$', issuer: 'jwt', mayRequest: true, breakGlass: null }],
    });
  });

  it('status --json inside a session shows the session and the live grant, without the credential', async () => {
    const result = await box.run(['exec', '-t', 'OPS-5', '-r', 'demo', '--', process.execPath, join(process.cwd(), 'bin/jit.js'), 'status', '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.session).toMatchObject({ role: 'demo', ticket: 'OPS-5', grantId: expect.stringMatching(/^g_/) });
    expect(status.grants).toEqual([
      {
        id: status.session.grantId, role: 'demo', ticket: 'OPS-5', requester: expect.any(String), state: 'active',
        issuedAt: expect.any(Number), expiresAt: status.session.expiresAt, secondsLeft: expect.any(Number),
        revocation: null, revokeReason: null, owner: { host: expect.any(String), pid: expect.any(Number) },
      },
    ]);
    expect(result.stdout).not.toMatch(/eyJ/);
  });

  it('status --prompt prints the role and whole minutes left, or nothing outside a session', async () => {
    const inside = await box.run(['status', '--prompt'], { env: { JIT_SESSION: 'g_0123456789abcdefghijklmnop', JIT_ROLE: 'demo', JIT_EXPIRES_AT: String(Math.floor(Date.now() / 1000) + 25 * 60 + 30) } });
    expect(inside.stdout).toBe('demo 25m\n');
    expect((await box.run(['status', '--prompt'])).stdout).toBe('');
  });

  it('status and status --prompt never print a terminal escape or a forged session from JIT_* variables', async () => {
    const forged = {
      JIT_SESSION: 'g_0123456789abcdefghijklmnop',
      JIT_ROLE: 'demo\x1b]0;owned\x07',
      JIT_TICKET: 'OPS-1\x1b[2J\u009b',
      JIT_EXPIRES_AT: String(Math.floor(Date.now() / 1000) + 25 * 60 + 30),
    };
    expect((await box.run(['status', '--prompt'], { env: forged })).stdout).toBe('demo??0?owned? 25m\n');
    const status = await box.run(['status'], { env: forged });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('demo??0?owned? for OPS-1?[2J?,');
    expect(status.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    for (const expiresAt of ['1e30', '0x10', '', '0099']) {
      expect((await box.run(['status', '--prompt'], { env: { ...forged, JIT_EXPIRES_AT: expiresAt } })).stdout).toBe('');
      expect((await box.run(['status'], { env: { ...forged, JIT_EXPIRES_AT: expiresAt } })).stdout).toContain('Not in a jit session.');
    }
    expect((await box.run(['status', '--prompt'], { env: { ...forged, JIT_SESSION: '\x1b[2J' } })).stdout).toBe('');
  });

  it('status --json and --prompt together are a usage error', async () => {
    expect((await box.run(['status', '--json', '--prompt'])).code).toBe(64);
  });

  it('revoke outside a session without an id says what to pass (64)', async () => {
    const result = await box.run(['revoke']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('--all');
  });

  it('revoke of an unknown or malformed grant id is a usage error', async () => {
    expect((await box.run(['revoke', 'g_00000000000000000000000000'])).code).toBe(64);
    expect((await box.run(['revoke', "g_1' OR 1=1"])).code).toBe(64);
  });
});

describe('jit init', () => {
  it('writes an editable config and policy 0600 in a 0700 dir, and refuses to overwrite them without --force', async () => {
    const first = await box.run(['init']);
    expect(first.code).toBe(0);
    const policy = join(box.configDir, 'policy.yaml');
    expect(statSync(policy).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(box.configDir, 'config.yaml'), 'utf8')).toContain('backend: embedded');
    expect(statSync(join(box.configDir, 'config.yaml')).mode & 0o777).toBe(0o600);
    expect(statSync(box.configDir).mode & 0o777).toBe(0o700);
    expect((await box.run(['roles', '--json'])).code).toBe(0);
    const again = await box.run(['init']);
    expect(again.code).toBe(64);
    expect(again.stderr).toContain('--force');
    expect((await box.run(['init', '--force'])).code).toBe(0);
  });

  it('a config naming a backend jit lacks is a configuration error (78)', async () => {
    const other = sandbox(keyring.env);
    try {
      expect((await other.run(['init'])).code).toBe(0);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(other.configDir, 'config.yaml'), 'backend: vault\n');
      const result = await other.run(['roles']);
      expect(result.code).toBe(78);
      expect(result.stderr).toMatch(/config\.yaml:1:1: backend: must be embedded or http/);
    } finally {
      other.remove();
    }
  });
});
