// The broker engine: decisions, issuance, the sweep, revocation retries, and audit-before-issue.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateKey } from '../../src/broker/keys.js';
import { MAX_REVOCATION_ATTEMPTS, backoffMs } from '../../src/broker/revoker.js';
import { ExitCode, JitError } from '../../src/core/errors.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';
import { until } from '../support/waits.js';

let env: TestBroker;
afterEach(() => env?.remove());

const types = async (t: TestBroker) => (await t.store.events()).map((event) => event.type);

function commandPolicy(issue: string, revoke: string, extra = '') {
  return `roles:
  db:
    ttl: { default: 10m, max: 1h }
    requesters: ['group:sre']
    issuer: { type: command, issue: ${issue}, revoke: ${revoke}, timeout: 5s }
${extra}`;
}

describe('broker', () => {
  it('issues a JWT that verifies with the broker key and names the grant, role, ticket and requester', async () => {
    env = await testBroker();
    const { grant, credential } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: liveOwner() });
    expect(grant.state).toBe('active');
    const key = await loadOrCreateKey(env.dir, 'token-signing');
    const { payload, protectedHeader } = await jwtVerify(credential.JIT_TOKEN!, createLocalJWKSet({ keys: [key.publicJwk] }), {
      issuer: 'jit', audience: 'jit', algorithms: ['ES256'], currentDate: new Date(env.clock.now),
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ jti: grant.id, sub: 'alice', role: 'demo', ticket: 'OPS-1' });
    expect(await types(env)).toEqual(['request.created', 'request.approved', 'grant.issuing', 'grant.issued']);
  });

  it('keeps its signing keys as 0600 files in a 0700 dir', async () => {
    env = await testBroker();
    await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: liveOwner() });
    const { statSync } = await import('node:fs');
    expect(statSync(join(env.dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(statSync(join(env.dir, 'keys', 'token-signing.jwk')).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.dir, 'jit.db')).mode & 0o777).toBe(0o600);
  });

  it('denies a requester outside the role (77) and audits the denial', async () => {
    env = await testBroker(commandPolicy('/bin/true', '/bin/true').replace('group:sre', 'group:dba'));
    // alice is in group sre only.
    const error = await env.broker.request(operator, { role: 'db', ticket: 'OPS-1', owner: liveOwner() }).catch((e: unknown) => e);
    expect((error as JitError).exitCode).toBe(ExitCode.denied);
    expect(await types(env)).toEqual(['request.created', 'request.denied']);
    expect(await env.store.listGrants()).toEqual([]);
  });

  it('the sweep expires grants past their TTL even when no CLI is watching', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', ttlSeconds: 60, owner: liveOwner() });
    expect(await env.broker.sweep()).toEqual([]);
    env.clock.now += 61_000;
    const [ended] = await env.broker.sweep();
    expect(ended).toMatchObject({ id: grant.id, state: 'expired', revokeReason: 'expired', revocation: 'verified' });
    expect(await env.store.isTokenRevoked(grant.id)).toBe(true);
  });

  it('the sweep revokes grants whose owning process is gone', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: { pid: 2 ** 22 + 1, startTime: '1' } });
    const [ended] = await env.broker.sweep();
    expect(ended).toMatchObject({ id: grant.id, state: 'revoked', revokeReason: 'orphaned', revocation: 'verified' });
  });

  it('retries a failing revocation with backoff and flags it irrevocable after the last attempt', async () => {
    env = await testBroker((script) =>
      commandPolicy(script('issue', `echo '{"env":{"DB_TOKEN":"t"}}'`), script('revoke', 'echo "target unreachable" >&2; exit 1')),
    );
    const { grant } = await env.broker.request(operator, { role: 'db', ticket: 'OPS-1', owner: liveOwner() });
    let ended = await env.broker.revoke(operator, grant.id, 'exit');
    expect(ended).toMatchObject({ state: 'revoked', revocation: 'failed' });
    // The attempt count stays on the broker: it is not part of what callers see.
    expect(await env.store.getGrant(grant.id)).toMatchObject({ revocationAttempts: 3 });
    expect((await env.broker.standing()).map((g) => g.id)).toEqual([grant.id]);
    // Nothing is retried before its backoff is due.
    expect(await env.broker.sweep()).toEqual([]);
    for (let attempt = 4; attempt <= MAX_REVOCATION_ATTEMPTS; attempt++) {
      env.clock.now += backoffMs(attempt - 1);
      ended = (await env.broker.sweep())[0]!;
    }
    expect(ended).toMatchObject({ revocation: 'irrevocable' });
    expect(await env.store.getGrant(grant.id)).toMatchObject({ revocationAttempts: MAX_REVOCATION_ATTEMPTS });
    const events = await env.store.events({ grantId: grant.id });
    expect(events.filter((e) => e.type === 'revocation.failed')).toHaveLength(MAX_REVOCATION_ATTEMPTS - 1);
    expect(events.at(-1)).toMatchObject({ type: 'revocation.irrevocable', data: { attempts: MAX_REVOCATION_ATTEMPTS } });
    expect(String(events.at(-1)!.data.error)).toContain('target unreachable');
    expect((await env.broker.standing()).map((g) => g.id)).toEqual([grant.id]);
    expect((await env.broker.verifyAudit()).ok).toBe(true);
  });

  it('keeps at most 16 session events per grant: a holder cannot flood the audit', async () => {
    env = await testBroker();
    const { grant } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: liveOwner() });
    // All at once: they are counted one after another, not all against the same count.
    const outcomes = await Promise.allSettled(Array.from({ length: 17 }, (_, i) => env.broker.recordSession(operator, grant.id, 'session.survivors', { found: i })));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(16);
    const error = await env.broker.recordSession(operator, grant.id, 'session.ended', { outcome: 'exit' }).catch((e: unknown) => e);
    expect((error as JitError).exitCode).toBe(ExitCode.usage);
    expect((error as JitError).message).toContain('already has 16 session events');
    expect((await env.store.events({ grantId: grant.id })).filter((event) => event.type.startsWith('session.'))).toHaveLength(16);
  });

  it('a failed issue is recorded and the partial credential revoked', async () => {
    env = await testBroker((script) => commandPolicy(script('issue', 'echo "quota exceeded" >&2; exit 2'), script('revoke', 'cat > "$(dirname "$0")/revoked"')));
    const revokedLog = join(env.dir, 'revoked');
    const error = await env.broker.request(operator, { role: 'db', ticket: 'OPS-1', owner: liveOwner() }).catch((e: unknown) => e);
    expect((error as JitError).exitCode).toBe(ExitCode.unavailable);
    const [grant] = await env.store.listGrants();
    // Revoked at once; verified only when whatever the failed issuer left behind can no longer deliver.
    expect(grant).toMatchObject({ state: 'revoked', revokeReason: 'issue_failed', revocation: 'pending' });
    expect(existsSync(revokedLog)).toBe(true);
    env.clock.now += 5000 + 1001;
    await env.broker.sweep();
    expect(await env.store.getGrant(grant!.id)).toMatchObject({ revocation: 'verified' });
  });

  it('if the issued event cannot be written, the credential is revoked and nothing is handed out', async () => {
    env = await testBroker((script) =>
      commandPolicy(script('issue', `echo '{"env":{"DB_TOKEN":"t"},"handle":"h-1"}'`), script('revoke', 'cat >> "$(dirname "$0")/revoked"; echo >> "$(dirname "$0")/revoked"')),
    );
    const revokedLog = join(env.dir, 'revoked');
    const commit = env.store.commit.bind(env.store);
    env.store.commit = async (change) => {
      if (change.events.some((event) => event.type === 'grant.issued')) throw new Error('disk full');
      return commit(change);
    };
    const error = await env.broker.request(operator, { role: 'db', ticket: 'OPS-1', owner: liveOwner() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JitError);
    expect((error as JitError).message).toContain('could not be written');
    const revocations = readFileSync(revokedLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { action: string; handle: string | null });
    expect(revocations).toContainEqual(expect.objectContaining({ action: 'revoke', handle: 'h-1' }));
    expect(await types(env)).not.toContain('grant.issued');
  });

  it('if the audit cannot be written at all, nothing is issued', async () => {
    env = await testBroker((script) => {
      const issue = script('issue', `touch "$(dirname "$0")/issued"; echo '{"env":{}}'`);
      return commandPolicy(issue, issue);
    });
    const issuedLog = join(env.dir, 'issued');
    env.store.commit = async () => {
      throw new Error('database is locked');
    };
    await expect(env.broker.request(operator, { role: 'db', ticket: 'OPS-1', owner: liveOwner() })).rejects.toThrow('database is locked');
    expect(existsSync(issuedLog)).toBe(false);
  });
});

describe('the anchor outside the database', () => {
  it('moves at once after a quiet spell, at most once a second while busy, and to the head within a second when the store goes quiet', async () => {
    const { readAnchor } = await import('../../src/broker/audit/anchor.js');
    env = await testBroker();
    const anchored = () => {
      const reading = readAnchor(env.dir);
      return reading.kind === 'present' ? reading.checkpoint.seq : 0;
    };
    const { grant } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-1', owner: liveOwner() });
    const first = anchored();
    expect(first).toBeGreaterThan(0);
    await env.broker.revoke(operator, grant.id, 'exit');
    // Busy: the revocation's checkpoints are signed, the anchor follows a little later.
    const head = (await env.store.events()).at(-1)!.seq;
    expect(anchored()).toBe(first);
    // Quiet from here on, and still open: the anchor catches up when its interval ends, not at some later commit.
    await until('the anchor to reach the head', () => anchored() === head, 2000);
    // And a close anchors at once whatever is left.
    const { grant: second } = await env.broker.request(operator, { role: 'demo', ticket: 'OPS-2', owner: liveOwner() });
    await env.broker.revoke(operator, second.id, 'exit');
    const finalHead = (await env.store.events()).at(-1)!.seq;
    await env.store.close();
    expect(anchored()).toBe(finalHead);
    env.store.close = async () => {}; // closed already; remove() must not close it twice
  });
});
