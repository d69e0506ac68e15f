// `jit audit verify` proves the chain, and names the first bad event after any edit, deletion,
// reordering or truncation of the SQLite file.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../support/jit.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';

let keyring: SecretService;
let jit: Sandbox;

beforeAll(async () => {
  keyring = await startSecretService();
});
afterAll(async () => {
  jit?.remove();
  await keyring?.stop();
});

/** Opens the state database as an attacker with file access would, past the append-only triggers. */
function tamper(box: Sandbox, sql: string): void {
  const db = new DatabaseSync(join(box.stateDir, 'jit.db'));
  db.exec('DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;');
  db.exec(sql);
  db.close();
}

async function verify(box: Sandbox): Promise<{ code: number | null; verdict: { ok: boolean; seq?: number; problem?: string } }> {
  const result = await box.run(['audit', 'verify', '--json']);
  return { code: result.code, verdict: JSON.parse(result.stdout) };
}

describe('audit chain', () => {
  beforeEach(async () => {
    jit?.remove();
    jit = sandbox(keyring.env);
    // Two sessions: 16 events.
    expect((await jit.run(['exec', '-t', 'OPS-1', '-r', 'demo', '--', 'true'])).code).toBe(0);
    expect((await jit.run(['exec', '-t', 'OPS-2', '-r', 'demo', '--', 'true'])).code).toBe(0);
  });

  it('verifies an untouched chain', async () => {
    const { code, verdict } = await verify(jit);
    expect(code).toBe(0);
    expect(verdict).toMatchObject({ ok: true, events: 16 });
  });

  it('refuses edits and deletions through SQLite itself (append-only triggers)', () => {
    const db = new DatabaseSync(join(jit.stateDir, 'jit.db'));
    expect(() => db.exec("UPDATE audit_events SET actor = 'x' WHERE seq = 1")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit_events WHERE seq = 1')).toThrow(/append-only/);
    db.close();
  });

  it('names the edited event', async () => {
    tamper(jit, `UPDATE audit_events SET data = '{"reason":"nothing to see"}' WHERE seq = 7`);
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict).toMatchObject({ ok: false, seq: 7 });
    expect(verdict.problem).toContain('edited');
    const human = await jit.run(['audit', 'verify']);
    expect(human.stdout).toContain('FAILED at event 7');
  });

  it('names the deleted event', async () => {
    tamper(jit, 'DELETE FROM audit_events WHERE seq = 5');
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict).toMatchObject({ ok: false, seq: 5 });
    expect(verdict.problem).toContain('missing');
  });

  it('names the first of two reordered events', async () => {
    // Swap the contents of events 3 and 4, keeping their sequence numbers.
    tamper(
      jit,
      `CREATE TEMP TABLE swap AS SELECT * FROM audit_events WHERE seq IN (3, 4);
       UPDATE audit_events SET at = s.at, type = s.type, actor = s.actor, request_id = s.request_id, grant_id = s.grant_id,
         ticket = s.ticket, role = s.role, data = s.data, prev_hash = s.prev_hash, hash = s.hash
       FROM swap s WHERE (audit_events.seq = 3 AND s.seq = 4) OR (audit_events.seq = 4 AND s.seq = 3);`,
    );
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict).toMatchObject({ ok: false, seq: 3 });
  });

  it('detects truncation behind the last signed checkpoint', async () => {
    tamper(jit, 'DELETE FROM audit_events WHERE seq > 12');
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict).toMatchObject({ ok: false, seq: 13 });
    expect(verdict.problem).toContain('truncated');
  });

  it('detects a re-hashed rewrite against the signed checkpoints', async () => {
    // An attacker who recomputes every hash after an edit still cannot re-sign the checkpoints.
    const db = new DatabaseSync(join(jit.stateDir, 'jit.db'));
    db.exec('DROP TRIGGER audit_events_no_update;');
    const { eventHash } = await import('../../src/broker/audit/chain.js');
    const rows = db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as Record<string, string | number>[];
    let prev = rows[0]!.prev_hash as string;
    for (const row of rows) {
      const data = row.seq === 2 ? '{"approvals":9}' : (row.data as string);
      const event = {
        seq: Number(row.seq), at: String(row.at), type: row.type, actor: String(row.actor), requestId: row.request_id ?? null,
        grantId: row.grant_id ?? null, ticket: row.ticket ?? null, role: row.role ?? null, data: JSON.parse(data), prevHash: prev,
      };
      const hash = eventHash(event as never);
      db.prepare('UPDATE audit_events SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(data, prev, hash, row.seq);
      prev = hash;
    }
    db.close();
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict.ok).toBe(false);
    expect(verdict.problem).toContain('rewritten');
  });
});
