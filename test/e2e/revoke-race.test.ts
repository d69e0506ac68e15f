// A grant revoked while it is being issued stays revoked: the credential that arrives afterwards is
// revoked at once and nothing runs with it (every state change is compare-and-set).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { collect } from '../support/jit.js';
import { useSlowIssuer } from '../support/slow-issuer.js';
import { until } from '../support/waits.js';

const { box, keyring } = useKeyringSandboxes();

describe('revoke during issuance', () => {
  it('the late credential is revoked at once, the command never runs, and jit exits 75', async () => {
    const jit = box();
    const log = useSlowIssuer(jit, { issueSeconds: 2 });
    const ran = join(jit.home, 'ran');
    const exec = collect(jit.spawn(['exec', '-t', 'OPS-1', '-r', 'slow', '--', 'touch', ran]));
    await until('the grant to be issuing', () => {
      try {
        return jit.grantStates()[0]?.state === 'issuing';
      } catch {
        return false; // the database may not exist yet
      }
    });
    const revoke = await jit.run(['revoke', '--all', '--yes']);
    expect(revoke.code).toBe(0);

    const result = await exec;
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('revoked while it was being issued');
    expect(existsSync(ran)).toBe(false);
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'operator', revocation: 'verified' }]);
    expect(await keyring().jitAccounts()).toEqual([]);
    // Revoked at the target twice: when the grant ended (during issuance, no handle yet), then the late credential.
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['revoke', 'issue', 'revoke']);

    const events = JSON.parse((await jit.run(['audit', '--json'])).stdout).events.map((e: { type: string }) => e.type);
    expect(events).not.toContain('grant.issued');
    expect(events).not.toContain('session.started');
    expect(events.slice(-3)).toEqual(['revocation.verified', 'grant.issue_discarded', 'revocation.verified']);
    expect((await jit.run(['audit', 'verify'])).code).toBe(0);
    expect(JSON.parse((await jit.run(['audit', 'standing', '--json'])).stdout)).toEqual({ standing: [] });
  });

  it('a credential that arrives after its TTL is revoked at once and nothing runs (exit 75)', async () => {
    const jit = box();
    useSlowIssuer(jit, { issueSeconds: 3 });
    const ran = join(jit.home, 'ran');
    const result = await jit.run(['exec', '-t', 'OPS-2', '-r', 'slow', '--ttl', '2s', '--', 'touch', ran]);
    expect(result.code).toBe(75);
    expect(result.stderr).toContain('reached its TTL before');
    expect(existsSync(ran)).toBe(false);
    expect(jit.grantStates()).toEqual([{ state: 'expired', revoke_reason: 'expired', revocation: 'verified' }]);
    expect(await keyring().jitAccounts()).toEqual([]);
  });

  it('after kill -9 of jit during issuance, the issuer is stopped too, and the revocation is verified only once it can no longer deliver', async () => {
    const jit = box();
    const log = useSlowIssuer(jit, { issueSeconds: 2, timeout: '3s' });
    const exec = jit.spawn(['exec', '-t', 'OPS-3', '-r', 'slow', '--', 'true']);
    await until('the grant to be issuing', () => {
      try {
        return jit.grantStates()[0]?.state === 'issuing';
      } catch {
        return false;
      }
    });
    exec.kill('SIGKILL');
    await new Promise((resolve) => exec.on('exit', resolve));
    expect((await jit.run(['status'])).code).toBe(0);
    // Ended while issuing: the issuer could still deliver until its timeout, so nothing is verified yet.
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'orphaned', revocation: 'pending' }]);
    expect(JSON.parse((await jit.run(['audit', 'standing', '--json'])).stdout).standing).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 4500));
    // The issuer died with jit: it never delivered.
    expect(readFileSync(log, 'utf8')).not.toContain('issue');
    expect((await jit.run(['status'])).code).toBe(0);
    expect(jit.grantStates()).toEqual([{ state: 'revoked', revoke_reason: 'orphaned', revocation: 'verified' }]);
    expect(JSON.parse((await jit.run(['audit', 'standing', '--json'])).stdout)).toEqual({ standing: [] });
  });
});
