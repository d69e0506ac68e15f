// Two jit processes may start at once on a state dir (a prompt's `jit status` while `jit exec` creates
// the database): opening waits out the other's read instead of failing on the first lock it meets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { stateDirKeys } from '../../src/broker/key-provider.js';
import { SqliteStore } from '../../src/broker/store/sqlite.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Another process's reader: holds a shared lock on the file for holdMs, as a `jit status` would. */
function readerHolding(path: string, holdMs: number): Promise<Worker> {
  const worker = new Worker(
    `const { DatabaseSync } = require('node:sqlite');
     const { parentPort, workerData } = require('node:worker_threads');
     const db = new DatabaseSync(workerData.path);
     db.exec('BEGIN');
     db.prepare('SELECT count(*) FROM sqlite_master').get();
     parentPort.postMessage('holding');
     setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, workerData.holdMs);`,
    { eval: true, workerData: { path, holdMs } },
  );
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}

it('a new database opens though another process is reading it at that moment', async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-open-'));
  const path = join(dir, 'jit.db');
  const reader = await readerHolding(path, 300);
  const store = SqliteStore.open(path, { stateDir: dir, keys: stateDirKeys(dir) });
  try {
    expect(store).toBeInstanceOf(SqliteStore);
  } finally {
    store.close();
    await reader.terminate();
  }
});
