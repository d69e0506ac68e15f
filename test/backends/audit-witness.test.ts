// Proving a team broker's audit from the workstation: the whole chain the first time, then only what
// grew since, from the head and with the key this workstation saw; any rewrite, truncation or new key fails.
import { afterEach, describe, expect, it } from 'vitest';
import { verifyPublished, type AuditPage, type Witness } from '../../src/backends/audit-witness.js';
import { liveOwner, operator, testBroker, type TestBroker } from '../support/broker.js';

let env: TestBroker;
let other: TestBroker | undefined;
afterEach(() => {
  env?.remove();
  other?.remove();
  other = undefined;
});

const BROKER = 'https://jit.example.com';
const now = new Date('2026-11-23T12:00:00Z');

async function published(broker: TestBroker): Promise<Omit<AuditPage, 'more'>> {
  return broker.broker.auditPage(0, 1_000_000);
}

async function grantOnce(broker: TestBroker, ticket: string) {
  const { grant } = await broker.broker.request(operator, { role: 'demo', ticket, owner: liveOwner() });
  await broker.broker.revoke(operator, grant.id, 'exit');
}

describe('the audit witness', () => {
  it('proves the whole chain, pins its key and head, and proves it again each time with that head in place', async () => {
    env = await testBroker();
    await grantOnce(env, 'OPS-1');
    const first = verifyPublished(await published(env), undefined, BROKER, now);
    expect(first.verdict).toMatchObject({ ok: true });
    const witness = first.witness!;
    expect(witness).toMatchObject({ broker: BROKER, seq: first.verdict.events, checkedAt: now.toISOString() });

    await grantOnce(env, 'OPS-2');
    const grown = verifyPublished(await published(env), witness, BROKER, now);
    expect(grown.verdict).toMatchObject({ ok: true, events: (await env.store.events()).length });
    expect(grown.witness!.seq).toBeGreaterThan(witness.seq);
    // Nothing new: the same head, still proven.
    expect(verifyPublished(await published(env), grown.witness, BROKER, now).verdict).toMatchObject({ ok: true });
  });

  it('fails on an edited event (one seen before too), a forged checkpoint, a head without a checkpoint, a new key, a truncated or rewritten chain', async () => {
    env = await testBroker();
    await grantOnce(env, 'OPS-1');
    const seen = verifyPublished(await published(env), undefined, BROKER, now).witness!;
    await grantOnce(env, 'OPS-2');
    const chain = await published(env);
    const problem = (page: Omit<AuditPage, 'more'>, witness: Witness | undefined = seen) => {
      const { verdict } = verifyPublished(page, witness, BROKER, now);
      return verdict.ok ? 'ok' : verdict.problem;
    };
    expect(problem(chain)).toBe('ok');
    // The first event, which this workstation had already proven: proven again, so its edit shows.
    expect(problem({ ...chain, events: chain.events.map((e, i) => (i === 0 ? { ...e, actor: 'user:mallory@10.0.0.1' } : e)) })).toContain('does not match its hash (edited)');
    const [firstCheckpoint] = chain.checkpoints;
    // A character in the middle of the signature (the last one may only carry padding bits).
    const forged = (jws: string) => {
      const at = jws.length - 20;
      return `${jws.slice(0, at)}${jws[at] === 'A' ? 'B' : 'A'}${jws.slice(at + 1)}`;
    };
    expect(problem({ ...chain, checkpoints: [{ ...firstCheckpoint!, jws: forged(firstCheckpoint!.jws) }, ...chain.checkpoints.slice(1)] })).toContain('does not verify with the audit key');
    expect(problem({ ...chain, checkpoints: chain.checkpoints.slice(0, -1) })).toContain('has no signed checkpoint');
    expect(problem({ ...chain, key: { ...chain.key!, x: seen.key.y } })).toContain('not the one it had');
    const shorter = chain.events.slice(0, seen.seq - 1);
    expect(problem({ ...chain, events: shorter, head: { seq: shorter.at(-1)!.seq, hash: shorter.at(-1)!.hash } })).toContain('(truncated)');
    expect(problem(chain, { ...seen, hash: 'f'.repeat(64) })).toContain('differs from the one this workstation saw (rewritten)');

    // Another broker's chain, however valid in itself, is not the one this workstation saw.
    other = await testBroker();
    await grantOnce(other, 'OPS-9');
    await grantOnce(other, 'OPS-10');
    expect(problem({ ...(await published(other)), key: seen.key })).toContain('(rewritten)');
  });
});
