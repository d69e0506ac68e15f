// Bad input gets the documented exit code, a message that says what to do, and nothing stored or issued.
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../support/jit.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';

let keyring: SecretService;
const boxes: Sandbox[] = [];

beforeAll(async () => {
  keyring = await startSecretService();
});
afterAll(async () => {
  for (const box of boxes) box.remove();
  await keyring?.stop();
});

function newSandbox(): Sandbox {
  const box = sandbox(keyring.env);
  boxes.push(box);
  return box;
}

function nothingStored(box: Sandbox): void {
  if (!existsSync(join(box.stateDir, 'jit.db'))) return;
  const db = box.db();
  try {
    for (const table of ['requests', 'grants', 'audit_events']) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get(), table).toEqual({ n: 0 });
    }
  } finally {
    db.close();
  }
}

const exec = (...flags: string[]) => ['exec', ...flags, '--', 'true'];

describe('bad input', () => {
  it.each([
    ['a quote in the ticket', 64, exec('-t', "OPS-1'", '-r', 'demo'), /ticket id .* is not valid/],
    ['a space in the ticket', 64, exec('-t', 'OPS 1', '-r', 'demo'), /is not valid/],
    ['SQL in the ticket', 64, exec('-t', 'OPS-1 OR 1=1', '-r', 'demo'), /is not valid/],
    ['unicode in the ticket', 64, exec('-t', 'ОPS-1', '-r', 'demo'), /is not valid/],
    ['a 10 kB ticket', 64, exec('-t', `OPS-${'9'.repeat(10_000)}`, '-r', 'demo'), /is not valid/],
    ['--ttl 0', 64, exec('-t', 'OPS-1', '-r', 'demo', '--ttl', '0'), /--ttl "0" is not a duration/],
    ['--ttl -5m', 64, exec('-t', 'OPS-1', '-r', 'demo', '--ttl', '-5m'), /--ttl "-5m" is not a duration/],
    ['--ttl 10000h', 64, exec('-t', 'OPS-1', '-r', 'demo', '--ttl', '10000h'), /longer than jit allows/],
    ['an unknown role', 64, exec('-t', 'OPS-1', '-r', 'nope'), /^jit: there is no role "nope" in the built-in default policy\n  → `jit roles` lists the roles you may request; `jit init` writes the policy to a file/],
    ['a malformed role', 64, exec('-t', 'OPS-1', '-r', 'Robert"); DROP'), /not a valid role name/],
    ['no --ticket', 64, exec('-r', 'demo'), /missing --ticket/],
    ['no --role', 64, exec('-t', 'OPS-1'), /missing --role/],
    ['no command', 64, ['exec', '-t', 'OPS-1', '-r', 'demo'], /missing the command/],
    ['an unknown flag', 64, exec('-t', 'OPS-1', '-r', 'demo', '--frobnicate'), /unknown option/],
    ['a multi-line reason', 64, exec('-t', 'OPS-1', '-r', 'demo', '--reason', 'a\nb'), /one line/],
    ['a bad --wait', 64, exec('-t', 'OPS-1', '-r', 'demo', '--wait', 'soon'), /--wait "soon" is not a duration/],
  ])('%s: exit %i, a message that says what to do, nothing stored', async (_name, code, args, message) => {
    const box = newSandbox();
    const result = await box.run(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(result.stderr.length).toBeLessThan(2000);
    nothingStored(box);
    expect(await keyring.jitAccounts()).toEqual([]);
  });

  it('a TTL over the role maximum is denied by policy (77), and the denial is audited', async () => {
    const box = newSandbox();
    const result = await box.run(exec('-t', 'OPS-1', '-r', 'demo', '--ttl', '2h'));
    expect(result.code).toBe(77);
    expect(result.stderr).toContain('demo allows at most 1h');
    expect(result.stderr).toContain('jit roles');
    const db = box.db();
    expect(db.prepare('SELECT count(*) AS n FROM grants').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT type FROM audit_events ORDER BY seq').all().map((r) => (r as { type: string }).type)).toEqual(['request.created', 'request.denied']);
    db.close();
  });

  it('broken policy YAML: exit 78 naming the file and line', async () => {
    const box = newSandbox();
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(box.configDir, 'policy.yaml'), 'roles:\n  demo:\n    ttl: { default: 15m, max: 1h\n    requesters: ["*"]\n', { mode: 0o600 });
    const result = await box.run(exec('-t', 'OPS-1', '-r', 'demo'));
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/invalid policy: .*policy\.yaml:\d+:\d+:/);
    nothingStored(box);
  });

  it('an invalid policy value: exit 78 naming the line of the bad value', async () => {
    const box = newSandbox();
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(box.configDir, 'policy.yaml'),
      'roles:\n  demo:\n    ttl: { default: 15m, max: forever }\n    requesters: ["*"]\n    issuer: { type: jwt }\n',
      { mode: 0o600 },
    );
    const result = await box.run(['roles']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/policy\.yaml:3:\d+: roles\.demo\.ttl\.max: must be a duration/);
  });

  it('a state dir that is a symlink: exit 71, refused, nothing written through it', async () => {
    const box = newSandbox();
    const elsewhere = join(box.home, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    mkdirSync(join(box.home, '.local', 'state'), { recursive: true });
    symlinkSync(elsewhere, box.stateDir);
    const result = await box.run(exec('-t', 'OPS-1', '-r', 'demo'));
    expect(result.code).toBe(71);
    expect(result.stderr).toContain('symbolic link');
    expect(existsSync(join(elsewhere, 'jit.db'))).toBe(false);
  });

  it('a state path that is a file: exit 71 with what to do', async () => {
    const box = newSandbox();
    mkdirSync(join(box.home, '.local', 'state'), { recursive: true });
    writeFileSync(box.stateDir, 'not a dir');
    const result = await box.run(exec('-t', 'OPS-1', '-r', 'demo'));
    expect(result.code).toBe(71);
    expect(result.stderr).toContain('is not a directory');
    expect(result.stderr).toContain('→');
  });

  it.skipIf(process.getuid?.() !== 0)('a state dir owned by another user: exit 71 (needs root to chown; CI runs as root)', async () => {
    const box = newSandbox();
    mkdirSync(box.stateDir, { recursive: true, mode: 0o700 });
    chownSync(box.stateDir, 65534, 65534);
    const result = await box.run(exec('-t', 'OPS-1', '-r', 'demo'));
    expect(result.code).toBe(71);
    expect(result.stderr).toContain('belongs to uid 65534');
    chmodSync(box.stateDir, 0o700);
    rmSync(box.stateDir, { recursive: true });
  });

  it('an unknown role in a policy file: the message names the file', async () => {
    const box = newSandbox();
    expect((await box.run(['init'])).code).toBe(0);
    const result = await box.run(exec('-t', 'OPS-1', '-r', 'admin'));
    expect(result.code).toBe(64);
    expect(result.stderr).toBe(`jit: there is no role "admin" in ${join(box.configDir, 'policy.yaml')}\n  → \`jit roles\` lists the roles you may request\n`);
    nothingStored(box);
  });

  it('no reachable keychain: exit 71 with advice, and the grant is revoked, not left alive', async () => {
    const box = newSandbox();
    // Pinned: auto would fall back to the kernel keyring (test/e2e/keyutils.test.ts covers that).
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(box.configDir, 'config.yaml'), 'keychain: secret-service\n', { mode: 0o600 });
    const result = await box.run(exec('-t', 'OPS-1', '-r', 'demo'), { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(box.home, 'no-bus')}` } });
    expect(result.code).toBe(71);
    expect(result.stderr).toContain('keychain is not available');
    expect(result.stderr).toContain('DBUS_SESSION_BUS_ADDRESS');
    const db = box.db();
    expect(db.prepare('SELECT state, revocation FROM grants').all()).toEqual([{ state: 'revoked', revocation: 'verified' }]);
    db.close();
  });
});
