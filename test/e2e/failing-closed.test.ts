// Failing closed with the right message: a locked database is "unavailable" (69) and names its holder,
// not an internal error; a disk that fills up mid-session still gets the session's end and revocation.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';

const { box, keyring } = useKeyringSandboxes();
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

describe('failing closed', () => {
  it('a database locked by another process is exit 69 naming that process, and nothing is issued', async () => {
    const jit = box();
    expect((await jit.run(['roles'])).code).toBe(0);
    const holder = new DatabaseSync(join(jit.stateDir, 'jit.db'));
    holder.exec('BEGIN IMMEDIATE');
    cleanups.push(() => holder.close());
    const result = await jit.run(['exec', '-t', 'OPS-1', '-r', 'demo', '--', 'sh', '-c', 'echo ran']);
    expect(result.code).toBe(69);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`is locked by pid ${process.pid}`);
    expect(result.stderr).not.toContain('bug');
    holder.exec('ROLLBACK');
    expect(jit.grantStates()).toEqual([]);
  });

  it('a disk that fills up during the session still records its end and revocation', async (context) => {
    if (process.getuid?.() !== 0) return context.skip('needs root to mount a small tmpfs as the state dir');
    const mount = mkdtempSync(join(tmpdir(), 'jit-small-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=700', 'tmpfs', mount]);
    cleanups.push(() => {
      execFileSync('umount', [mount]);
      rmSync(mount, { recursive: true, force: true });
    });
    const stateDir = join(mount, 'jit');
    const jit = box({ JIT_STATE_DIR: stateDir });
    const fill = join(mount, 'fill');
    const result = await jit.run(['exec', '-t', 'OPS-2', '-r', 'demo', '--', 'sh', '-c', `dd if=/dev/zero of=${fill} bs=64k 2>/dev/null; df ${mount} | tail -1`]);
    expect(result.stdout).toMatch(/100%/);
    expect(result.code).toBe(0);
    rmSync(fill);
    const events = JSON.parse((await jit.run(['audit', '--json'])).stdout).events.map((e: { type: string }) => e.type);
    expect(events.slice(-3)).toEqual(['session.ended', 'grant.revoked', 'revocation.verified']);
    expect((await jit.run(['audit', 'verify'])).code).toBe(0);
    expect(await keyring().jitAccounts()).toEqual([]);
  });
});
