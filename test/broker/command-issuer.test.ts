// The command issuer protocol (docs/command-issuer.md), against real executables.
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandIssuer, COMMAND_PROTOCOL } from '../../src/broker/issuers/command/command-issuer.js';
import type { GrantRecord } from '../../src/broker/records.js';
import { ExitCode } from '../../src/core/errors.js';
import { testBroker, type TestBroker } from '../support/broker.js';
import { failure } from '../support/rejection.js';

let env: TestBroker;
afterEach(() => env?.remove());

const grant = {
  id: 'g_0123456789abcdefghijklmnop', role: 'db', ticket: 'OPS-1', requester: 'alice', issuedAtMs: 1_700_000_000_000, expiresAtMs: 1_700_000_900_000,
  handle: 'lease-42',
} as GrantRecord;

function issuer(paths: { issue: string; revoke?: string; verify?: string }, timeoutSeconds = 5) {
  return new CommandIssuer({ type: 'command', issue: paths.issue, revoke: paths.revoke ?? paths.issue, verify: paths.verify, timeoutSeconds, params: { database: 'orders' } });
}

describe('command issuer', () => {
  it('sends the request as JSON on stdin (never argv) and injects what issue answers', async () => {
    env = await testBroker();
    const log = join(env.dir, 'request.json');
    const issue = env.script('issue', `echo "$#" > ${log}.argc; cat > ${log}; echo '{"env":{"PGUSER":"jit_g","PGPASSWORD":"s3cret"},"handle":"lease-42"}'`);
    const issued = await issuer({ issue }).issue(grant);
    expect(issued).toEqual({ env: { PGUSER: 'jit_g', PGPASSWORD: 's3cret' }, handle: 'lease-42' });
    expect(readFileSync(`${log}.argc`, 'utf8').trim()).toBe('0');
    expect(JSON.parse(readFileSync(log, 'utf8'))).toEqual({
      protocol: COMMAND_PROTOCOL,
      action: 'issue',
      grant: { id: grant.id, role: 'db', ticket: 'OPS-1', requester: 'alice', issuedAt: 1_700_000_000, expiresAt: 1_700_000_900 },
      handle: null,
      params: { database: 'orders' },
    });
  });

  it('passes the handle to revoke and reads verify', async () => {
    env = await testBroker();
    const log = join(env.dir, 'revoke.json');
    const revoke = env.script('revoke', `cat > ${log}`);
    const verify = env.script('verify', `echo '{"revoked":true}'`);
    const stillThere = env.script('still', `echo '{"revoked":false}'`);
    const command = issuer({ issue: revoke, revoke, verify });
    await command.revoke(grant);
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({ action: 'revoke', handle: 'lease-42' });
    expect(await command.verifyRevoked(grant)).toBe(true);
    expect(await issuer({ issue: revoke, revoke, verify: stillThere }).verifyRevoked(grant)).toBe(false);
  });

  it('fails with exit 69 and the first stderr line when the executable fails', async () => {
    env = await testBroker();
    const error = await failure(issuer({ issue: env.script('issue', 'echo "database is down" >&2; exit 3') }).issue(grant));
    expect(error.exitCode).toBe(ExitCode.unavailable);
    expect(error.message).toContain('exit 3');
    expect(error.message).toContain('database is down');
  });

  it('kills an executable that outlives its timeout', async () => {
    env = await testBroker();
    const started = Date.now();
    const error = await failure(issuer({ issue: env.script('issue', 'sleep 30') }, 1).issue(grant));
    expect(error.message).toContain('did not finish within 1s');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('is not held past its timeout by a process that left its group with its output still open', async () => {
    env = await testBroker();
    const escapedPid = join(env.dir, 'escaped.pid');
    // `setsid` leaves the process group the timeout kills; its copy of stdout keeps the pipe open.
    const issue = env.script('issue', `setsid sh -c 'echo $$ > ${escapedPid}; exec sleep 30' & sleep 30`);
    const started = Date.now();
    try {
      const error = await failure(issuer({ issue }, 1).issue(grant));
      expect(error.message).toContain('did not finish within 1s');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      try {
        process.kill(Number(readFileSync(escapedPid, 'utf8')), 'SIGKILL');
      } catch {
        // Not started, or gone.
      }
    }
  });

  it.each([
    ['not JSON', 'echo hello', 'did not answer with JSON'],
    ['no env object', `echo '{"handle":"x"}'`, 'without an "env" object'],
    ['a non-string value', `echo '{"env":{"PGPORT":5432}}'`, 'non-string value'],
    ['a forbidden variable', `echo '{"env":{"LD_PRELOAD":"/tmp/evil.so"}}'`, 'will not inject'],
    ['a JIT_ marker', `echo '{"env":{"JIT_ROLE":"root"}}'`, 'will not inject'],
  ])('refuses an answer with %s', async (_name, body, message) => {
    env = await testBroker();
    const error = await failure(issuer({ issue: env.script('issue', body) }).issue(grant));
    expect(error.message).toContain(message);
  });

  it('refuses an executable that others may rewrite (exit 78)', async () => {
    env = await testBroker();
    const issue = env.script('issue', 'echo {}');
    chmodSync(issue, 0o777);
    const error = await failure(issuer({ issue }).issue(grant));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toContain('may be changed by someone else');
  });

  it('refuses a missing executable (exit 78)', async () => {
    env = await testBroker();
    const error = await failure(issuer({ issue: join(env.dir, 'missing') }).issue(grant));
    expect(error.exitCode).toBe(ExitCode.config);
  });
});
