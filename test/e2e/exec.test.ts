// `jit exec` as a script uses it: the built binary, the embedded default, a real Secret Service.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JIT_BIN, sandbox, type Sandbox } from '../support/jit.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';
import { useSlowIssuer } from '../support/slow-issuer.js';
import { isAlive, readPid, until } from '../support/waits.js';

let keyring: SecretService;
let jit: Sandbox;

beforeAll(async () => {
  keyring = await startSecretService();
});
afterAll(async () => keyring?.stop());
afterEach(() => jit?.remove());

function newSandbox(): Sandbox {
  jit = sandbox(keyring.env);
  return jit;
}

function grants(box: Sandbox) {
  const db = box.db();
  try {
    return db.prepare('SELECT id, state, revoke_reason, revocation FROM grants ORDER BY issued_at').all() as {
      id: string; state: string; revoke_reason: string; revocation: string;
    }[];
  } finally {
    db.close();
  }
}

async function expectAllRevokedAndKeychainEmpty(box: Sandbox): Promise<void> {
  for (const grant of grants(box)) {
    expect(grant.state).toMatch(/^(revoked|expired)$/);
    expect(grant.revocation).toBe('verified');
  }
  expect(await keyring.jitAccounts()).toEqual([]);
  const verify = await box.run(['audit', 'verify']);
  expect(verify.stdout).toContain('ok:');
  expect(verify.code).toBe(0);
  const standing = await box.run(['audit', 'standing', '--json']);
  expect(JSON.parse(standing.stdout)).toEqual({ standing: [] });
}

describe('jit exec', () => {
  it('injects the session and a JWT bound to the grant, and exits 0 with the command', async () => {
    const box = newSandbox();
    const result = await box.run(['exec', '--ticket', 'DEMO-1', '--role', 'demo', '--', 'sh', '-c', 'env | grep "^JIT_" | sort']);
    expect(result.code).toBe(0);
    const env = Object.fromEntries(result.stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(env.JIT_ROLE).toBe('demo');
    expect(env.JIT_TICKET).toBe('DEMO-1');
    expect(env.JIT_BACKEND).toBe('embedded');
    expect(env.JIT_SESSION).toMatch(/^g_[0-9a-z]{26}$/);
    const claims = decodeJwt(env.JIT_TOKEN!);
    expect(claims).toMatchObject({ jti: env.JIT_SESSION, role: 'demo', ticket: 'DEMO-1', aud: 'jit', iss: 'jit' });
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    expect(Number(env.JIT_EXPIRES_AT)).toBe(claims.exp);
    // SECURITY: the credential never reaches jit's own output.
    expect(result.stderr).not.toContain(env.JIT_TOKEN);
    await expectAllRevokedAndKeychainEmpty(box);
  });

  it('`jit revoke` run inside the session it revokes, at a slow target, still sees the revocation verified', async () => {
    const box = newSandbox();
    useSlowIssuer(box, { revokeSeconds: 1 });
    // The session ends as soon as its owner hears of the revocation, and that `jit revoke` is part of it.
    const result = await box.run(['exec', '-t', 'DEMO-9', '-r', 'slow', '--', 'sh', '-c', `${JIT_BIN} revoke "$JIT_SESSION"; sleep 5`]);
    expect(result.code).toBe(75);
    expect(grants(box)).toMatchObject([{ state: 'revoked', revoke_reason: 'operator', revocation: 'verified' }]);
    await expectAllRevokedAndKeychainEmpty(box);
  });

  it('passes the command exit status through (7)', async () => {
    const box = newSandbox();
    const result = await box.run(['exec', '-t', 'DEMO-2', '-r', 'demo', '--', 'sh', '-c', 'exit 7']);
    expect(result.code).toBe(7);
    expect(grants(box)[0]).toMatchObject({ state: 'revoked', revoke_reason: 'exit', revocation: 'verified' });
    await expectAllRevokedAndKeychainEmpty(box);
  });

  it('exits 128+15 = 143 when the command dies of SIGTERM', async () => {
    const box = newSandbox();
    const result = await box.run(['exec', '-t', 'DEMO-3', '-r', 'demo', '--', 'sh', '-c', 'kill -TERM $$']);
    expect(result.code).toBe(143);
    expect(grants(box)[0]).toMatchObject({ state: 'revoked', revoke_reason: 'signal' });
    await expectAllRevokedAndKeychainEmpty(box);
  });

  it('keeps the credential in the keychain only while the grant lives', async () => {
    const box = newSandbox();
    const marker = join(box.home, 'started');
    const child = box.spawn(['exec', '-t', 'DEMO-4', '-r', 'demo', '--', 'sh', '-c', `echo $$ > ${marker}; exec sleep 30`]);
    await readPid(marker);
    const [grant] = grants(box);
    expect(await keyring.jitAccounts()).toEqual([grant!.id]);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    await expectAllRevokedAndKeychainEmpty(box);
  });

  it('ends the command at the TTL, revokes, and exits 75', async () => {
    const box = newSandbox();
    const started = Date.now();
    const result = await box.run(['exec', '-t', 'DEMO-5', '-r', 'demo', '--ttl', '2s', '--', 'sleep', '30']);
    expect(result.code).toBe(75);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stderr).toContain('reached its TTL');
    expect(grants(box)[0]).toMatchObject({ state: 'expired', revoke_reason: 'expired', revocation: 'verified' });
    await expectAllRevokedAndKeychainEmpty(box);
  });

  it('on SIGHUP forwards it to the command, revokes, and exits with its status (129)', async () => {
    const box = newSandbox();
    const marker = join(box.home, 'started');
    const child = box.spawn(['exec', '-t', 'DEMO-6', '-r', 'demo', '--', 'sh', '-c', `echo $$ > ${marker}; sleep 30 & wait`]);
    const commandPid = await readPid(marker);
    child.kill('SIGHUP');
    // 'exit', not 'close': the backgrounded sleep still holds the output pipe.
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(129);
    expect(isAlive(commandPid)).toBe(false);
    expect(grants(box)[0]).toMatchObject({ state: 'revoked', revoke_reason: 'signal', revocation: 'verified' });
    await expectAllRevokedAndKeychainEmpty(box);
  });

  it('after kill -9 of jit, the command is hung up and the next jit run revokes the orphan', async () => {
    const box = newSandbox();
    const marker = join(box.home, 'started');
    const child = box.spawn(['exec', '-t', 'DEMO-7', '-r', 'demo', '--', 'sh', '-c', `echo $$ > ${marker}; exec sleep 30`]);
    const commandPid = await readPid(marker);
    const [grant] = grants(box);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    // The parent-death signal ends the command even though jit could do nothing.
    await until('the orphaned command to be hung up', () => !isAlive(commandPid));
    expect(grants(box)[0]!.state).toBe('active');
    expect(await keyring.jitAccounts()).toEqual([grant!.id]);

    const status = await box.run(['status', '--json']);
    expect(status.code).toBe(0);
    expect(status.stderr).toContain(`revoked ${grant!.id}`);
    expect(JSON.parse(status.stdout).grants).toEqual([]);
    expect(grants(box)[0]).toMatchObject({ state: 'revoked', revoke_reason: 'orphaned', revocation: 'verified' });
    await expectAllRevokedAndKeychainEmpty(box);
  });

  it.each([
    ['a path that does not exist', 127, '/nonexistent/tool', 'jit: could not start "/nonexistent/tool": no such file\n  → check the path; nothing was requested\n'],
    ['a name not on PATH', 127, 'nosuchtool-jit-test', 'jit: could not start "nosuchtool-jit-test": not found on PATH\n  → check the name, or give its full path; nothing was requested\n'],
    ['a file that is not executable', 126, 'HOME/script.sh', 'jit: could not start "HOME/script.sh": not an executable file\n  → make it executable (chmod +x), or run it through its interpreter (-- sh FILE); nothing was requested\n'],
  ])('%s: exit %i with jit\'s own message, and no grant is requested', async (_name, code, command, stderr) => {
    const box = newSandbox();
    writeFileSync(join(box.home, 'script.sh'), 'echo hi\n', { mode: 0o644 });
    const result = await box.run(['exec', '-t', 'DEMO-8', '-r', 'demo', '--', command.replace('HOME', box.home)]);
    expect(result.code).toBe(code);
    expect(result.stderr).toBe(stderr.replace('HOME', box.home));
    expect(existsSync(join(box.stateDir, 'jit.db'))).toBe(false);
    expect(await keyring.jitAccounts()).toEqual([]);
  });

  it('refuses to nest inside another session (77) and records the denial', async () => {
    const box = newSandbox();
    const result = await box.run(['exec', '-t', 'DEMO-9', '-r', 'demo', '--', 'true'], {
      env: { JIT_SESSION: 'g_00000000000000000000000000', JIT_EXPIRES_AT: '9999999999', JIT_ROLE: 'demo', JIT_TICKET: 'DEMO-0' },
    });
    expect(result.code).toBe(77);
    expect(result.stderr).toBe(
      'jit: request denied: already inside jit session g_00000000000000000000000000, and demo does not allow nesting\n' +
        '  → leave session g_00000000000000000000000000 (demo, DEMO-0) first: `exit` its shell, or `jit revoke` it; or have the role allow it with `nesting: true` in the policy\n',
    );
    expect(grants(box)).toEqual([]);
    const audit = JSON.parse((await box.run(['audit', '--json'])).stdout).events.map((e: { type: string }) => e.type);
    expect(audit).toEqual(['request.created', 'request.denied']);
  });

  it('refuses to nest (77) when a process between the sessions removed JIT_SESSION (env -u)', async () => {
    const box = newSandbox();
    const inner = `env -u JIT_SESSION '${process.execPath}' '${JIT_BIN}' exec -t DEMO-11 -r demo -- true; echo "inner=$?"`;
    const result = await box.run(['exec', '-t', 'DEMO-10', '-r', 'demo', '--', 'sh', '-c', inner]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('inner=77');
    expect(result.stderr).toContain('already inside jit session');
    expect(grants(box)).toHaveLength(1);
  });

  it('refuses to nest (77) when the session command itself is `env -u JIT_SESSION jit exec`, with no shell in between', async () => {
    const box = newSandbox();
    const result = await box.run(['exec', '-t', 'DEMO-12', '-r', 'demo', '--', 'env', '-u', 'JIT_SESSION', process.execPath, JIT_BIN, 'exec', '-t', 'DEMO-13', '-r', 'demo', '--', 'true']);
    expect(result.code).toBe(77);
    expect(result.stderr).toContain('already inside jit session');
    expect(grants(box)).toHaveLength(1);
    await expectAllRevokedAndKeychainEmpty(box);
  });

  it('records the whole lifecycle in the audit trail of the ticket', async () => {
    const box = newSandbox();
    await box.run(['exec', '-t', 'OPS-42', '-r', 'demo', '--reason', 'rotate keys', '--', 'true']);
    const result = await box.run(['audit', '--ticket', 'OPS-42', '--json']);
    const events = JSON.parse(result.stdout).events as { type: string; data: Record<string, unknown> }[];
    expect(events.map((e) => e.type)).toEqual([
      'request.created', 'request.approved', 'grant.issuing', 'grant.issued', 'session.started', 'session.ended', 'grant.revoked', 'revocation.verified',
    ]);
    expect(events[0]!.data).toMatchObject({ reason: 'rotate keys', ticketVerified: false });
  });
});
