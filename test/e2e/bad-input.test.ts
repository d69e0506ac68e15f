// Bad input gets the documented exit code, a message that says what to do, and nothing stored or issued.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, JIT_BIN, sandbox, type Sandbox } from '../support/jit.js';
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
    ['a bidi override in the reason', 64, exec('-t', 'OPS-1', '-r', 'demo', '--reason', 'fine\u202eevil'), /--reason .*bidirectional/],
    ['a C1 control in the reason', 64, exec('-t', 'OPS-1', '-r', 'demo', '--reason', 'fine\u009b31m'), /--reason .*control/],
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

  it('a symlink at the state database: exit 71, and nothing written through it', async () => {
    const box = newSandbox();
    mkdirSync(box.stateDir, { recursive: true, mode: 0o700 });
    const elsewhere = join(box.home, 'elsewhere.db');
    symlinkSync(elsewhere, join(box.stateDir, 'jit.db'));
    const result = await box.run(['status']);
    expect(result.code).toBe(71);
    expect(result.stderr).toContain('symbolic link');
    expect(existsSync(elsewhere)).toBe(false);
  });

  it('a state database (and its -wal and -shm) that others may read is tightened to 0600', async () => {
    const box = newSandbox();
    expect((await box.run(['status'])).code).toBe(0);
    const db = join(box.stateDir, 'jit.db');
    for (const path of [db, `${db}-wal`, `${db}-shm`]) {
      if (!existsSync(path)) writeFileSync(path, '');
      chmodSync(path, 0o644);
    }
    expect((await box.run(['status'])).code).toBe(0);
    for (const path of [db, `${db}-wal`, `${db}-shm`]) {
      if (existsSync(path)) expect(statSync(path).mode & 0o777, path).toBe(0o600);
    }
    expect(statSync(db).mode & 0o777).toBe(0o600);
  });

  it.each([['policy.yaml', '664'], ['policy.yaml', '646'], ['config.yaml', '620']])(
    'a %s others may write (mode %s): exit 78 with the chmod that fixes it',
    async (file, mode) => {
      const box = newSandbox();
      expect((await box.run(['init'])).code).toBe(0);
      chmodSync(join(box.configDir, file), parseInt(mode, 8));
      const result = await box.run(['roles']);
      expect(result.code).toBe(78);
      expect(result.stderr).toContain(`${file} is writable by other users`);
      expect(result.stderr).toContain(`chmod 600 ${join(box.configDir, file)}`);
    },
  );

  it('a catastrophic ticket pattern (^(a+)+$) answers a 64-character ticket at once: policy patterns run on RE2', { timeout: 60_000 }, async () => {
    const box = newSandbox();
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(box.configDir, 'policy.yaml'),
      "roles:\n  slow:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: offline, pattern: '^(a+)+$' }\n    requesters: ['*']\n    issuer: { type: jwt }\n",
      { mode: 0o600 },
    );
    const refused = await box.run(exec('-t', `${'a'.repeat(63)}!`, '-r', 'slow'), { timeoutMs: 30_000 });
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('is not valid for this role');
    expect((await box.run(exec('-t', 'a'.repeat(64), '-r', 'slow'), { timeoutMs: 30_000 })).code).toBe(0);
  });

  it('a policy over 256 KiB: exit 78, not read', async () => {
    const box = newSandbox();
    expect((await box.run(['init'])).code).toBe(0);
    const policy = join(box.configDir, 'policy.yaml');
    writeFileSync(policy, `${readFileSync(policy, 'utf8')}\n${'# padding\n'.repeat(27_000)}`);
    const result = await box.run(['roles']);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('policy.yaml is larger than 256 KiB');
  });

  it.each(['policy.yaml', 'config.yaml'])('an unreadable %s: exit 78 saying so, not an internal error', async (file) => {
    const box = newSandbox();
    expect((await box.run(['init'])).code).toBe(0);
    chmodSync(join(box.configDir, file), 0o000);
    // root reads a mode-000 file anyway: drop the capabilities that let it, as an ordinary user lacks them.
    const caps = '-dac_override,-dac_read_search';
    const argv = process.getuid?.() === 0 ? ['setpriv', `--inh-caps=${caps}`, `--bounding-set=${caps}`, process.execPath] : [process.execPath];
    const child = spawn(argv[0]!, [...argv.slice(1), JIT_BIN, 'roles'], { env: box.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const result = await collect(child);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`cannot read ${join(box.configDir, file)}`);
    expect(result.stderr).not.toContain('internal error');
  });

  it('a YAML alias bomb in config.yaml: exit 78', async () => {
    const box = newSandbox();
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let n = 1; n < 9; n++) levels.push(`l${n}: &l${n} [${Array(10).fill(n === 1 ? '*a' : `*l${n - 1}`).join(', ')}]`);
    writeFileSync(join(box.configDir, 'config.yaml'), `${levels.join('\n')}\nbackend: embedded\nprompt: *l8\n`, { mode: 0o600 });
    const result = await box.run(['roles']);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('invalid config');
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
