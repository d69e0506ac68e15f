// `jit audit verify` proves the chain, and names the first bad event after any edit, deletion,
// reordering or truncation of the SQLite file.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
      db.prepare('UPDATE audit_events SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(data, prev, hash, Number(row.seq));
      prev = hash;
    }
    db.close();
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict.ok).toBe(false);
    expect(verdict.problem).toContain('rewritten');
  });

  it('detects a tail cut off together with its checkpoints (the anchor outside the database vouches for it)', async () => {
    tamper(jit, 'DELETE FROM audit_events WHERE seq > 8; DELETE FROM audit_checkpoints WHERE seq > 8;');
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict.ok).toBe(false);
    expect(verdict.problem).toContain('anchor');
    expect(verdict.problem).toContain('truncated');
  });

  it('detects a chain whose checkpoints were all deleted', async () => {
    tamper(jit, 'DELETE FROM audit_checkpoints;');
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict.problem).toContain('no signed checkpoint');
  });

  it('an event appended with a recomputed hash is never sealed by a later checkpoint, and issuing stops', async () => {
    const { sealEvent } = await import('../../src/broker/audit/chain.js');
    const db = new DatabaseSync(join(jit.stateDir, 'jit.db'));
    const head = db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
    const forged = sealEvent({ type: 'request.approved', actor: 'user:mallory', data: { approvals: 2 } }, head.seq + 1, new Date(), head.hash);
    db.prepare('INSERT INTO audit_events (seq, at, type, actor, request_id, grant_id, ticket, role, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)')
      .run(forged.seq, forged.at, forged.type, forged.actor, null, null, null, null, JSON.stringify(forged.data), forged.prevHash, forged.hash);
    db.close();
    const exec = await jit.run(['exec', '-t', 'OPS-3', '-r', 'demo', '--', 'true']);
    expect(exec.code).toBe(71);
    expect(exec.stderr).toContain('without the audit key');
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict).toMatchObject({ ok: false, seq: 17 });
    expect(verdict.problem).toContain('after the last signed checkpoint');
  });

  const newKey = () => JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
  it.each([
    ['removed', (path: string) => rmSync(path)],
    ['replaced', (path: string) => writeFileSync(path, newKey())],
    ['mismatched', (path: string) => writeFileSync(path, readFileSync(path, 'utf8').replace(/"d":"[^"]+"/, `"d":"${JSON.parse(newKey()).d}"`))],
    ['corrupt', (path: string) => writeFileSync(path, '{not json')],
  ])('a %s audit key stops issuing (71, with the fix) instead of a new key being minted', async (_how, damage) => {
    const keyFile = join(jit.stateDir, 'keys', 'audit-signing.jwk');
    damage(keyFile);
    const damaged = existsSync(keyFile) ? readFileSync(keyFile, 'utf8') : undefined;
    const exec = await jit.run(['exec', '-t', 'OPS-3', '-r', 'demo', '--', 'sh', '-c', 'echo ran']);
    expect(exec.code).toBe(71);
    expect(exec.stdout).toBe('');
    expect(exec.stderr).toMatch(/audit signing key .* (missing|replaced|unreadable or corrupt)/);
    expect(exec.stderr).toContain('→ restore');
    expect(jit.grantStates()).toHaveLength(2);
    // Nothing minted a key in its place, or touched the damaged one.
    expect(existsSync(keyFile) ? readFileSync(keyFile, 'utf8') : undefined).toBe(damaged);
    expect(await keyring.jitAccounts()).toEqual([]);
  });

  it('exports JSON Lines (key, events, checkpoints) that verify against the database, and catch a later truncation', async () => {
    const exported = await jit.run(['audit', 'export']);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trim().split('\n').map((line) => JSON.parse(line) as { kind: string; seq?: number });
    expect(lines[0]!.kind).toBe('key');
    expect(lines.filter((l) => l.kind === 'event')).toHaveLength(16);
    expect(lines.filter((l) => l.kind === 'checkpoint').length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatchObject({ kind: 'checkpoint', seq: 16 });
    const since = await jit.run(['audit', 'export', '--since', '10']);
    expect(since.stdout.trim().split('\n').map((line) => JSON.parse(line)).filter((l: { kind: string }) => l.kind === 'event').map((l: { seq: number }) => l.seq)).toEqual([11, 12, 13, 14, 15, 16]);

    const file = join(jit.home, 'audit.jsonl');
    writeFileSync(file, exported.stdout);
    const ok = await jit.run(['audit', 'verify', '--export', file, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, events: 16 });

    // The account's owner cuts the tail and moves the anchor back to the (validly signed) checkpoint at 8:
    // the chain alone now verifies; only the export kept elsewhere shows what was there.
    tamper(jit, 'DELETE FROM audit_events WHERE seq > 8; DELETE FROM audit_checkpoints WHERE seq > 8;');
    const db = new DatabaseSync(join(jit.stateDir, 'jit.db'), { readOnly: true });
    writeFileSync(join(jit.stateDir, 'audit-anchor.json'), JSON.stringify(db.prepare('SELECT seq, hash, jws FROM audit_checkpoints WHERE seq = 8').get()));
    db.close();
    expect((await verify(jit)).code).toBe(0);
    const cut = await jit.run(['audit', 'verify', '--export', file, '--json']);
    expect(cut.code).toBe(1);
    expect(JSON.parse(cut.stdout)).toMatchObject({ ok: false, seq: 9 });
    expect(JSON.parse(cut.stdout).problem).toContain('truncated since the export');
  });

  it('an export that is not JSON Lines of an audit is a usage error naming the line', async () => {
    const file = join(jit.home, 'bad.jsonl');
    writeFileSync(file, '{"kind":"key","jwk":{}}\nhello\n');
    const result = await jit.run(['audit', 'verify', '--export', file]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('line 2');
  });

  it('a damaged key file never shows its private part: not in a message, not in the audit', async () => {
    for (const name of ['audit-signing.jwk', 'token-signing.jwk']) {
      const keyFile = join(jit.stateDir, 'keys', name);
      const original = readFileSync(keyFile, 'utf8');
      const secret = (JSON.parse(original) as { d: string }).d;
      // One quote removed: JSON.parse's own message would quote the characters around it.
      writeFileSync(keyFile, original.replace(`"d":"`, '"d":'));
      const exec = await jit.run(['exec', '-t', 'OPS-3', '-r', 'demo', '--', 'true']);
      const audit = await jit.run(['audit', '--json']);
      for (const text of [exec.stdout, exec.stderr, audit.stdout]) expect(text).not.toContain(secret.slice(0, 8));
      expect(exec.code).not.toBe(0);
      writeFileSync(keyFile, original);
    }
  });

  it('an audit key that is a symlink stops issuing but not revocation', async () => {
    const keyFile = join(jit.stateDir, 'keys', 'audit-signing.jwk');
    const copy = join(jit.home, 'key-copy.jwk');
    writeFileSync(copy, readFileSync(keyFile, 'utf8'), { mode: 0o600 });
    rmSync(keyFile);
    symlinkSync(copy, keyFile);
    const exec = await jit.run(['exec', '-t', 'OPS-3', '-r', 'demo', '--', 'true']);
    expect(exec.code).toBe(71);
    expect(exec.stderr).toContain('symbolic link');
    for (const command of [['status'], ['revoke', '--all', '--yes'], ['audit', 'standing']]) expect((await jit.run(command)).code).toBe(0);
  });

  it('cutting the tail, its checkpoints, the anchor and the row that says there was one is still caught', async () => {
    tamper(jit, "DELETE FROM audit_events WHERE seq > 8; DELETE FROM audit_checkpoints WHERE seq > 8; DELETE FROM meta WHERE name = 'audit_anchored';");
    rmSync(join(jit.stateDir, 'audit-anchor.json'));
    const { code, verdict } = await verify(jit);
    expect(code).toBe(1);
    expect(verdict.problem).toContain('anchor');
  });
});
