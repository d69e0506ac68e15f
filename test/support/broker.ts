// A broker on a temporary SQLite store, for tests that exercise the engine without the CLI.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePolicy } from '../../src/broker/policy/parse.js';
import type { RolePolicy } from '../../src/broker/policy/types.js';
import { stateDirKeys } from '../../src/broker/key-provider.js';
import { Broker } from '../../src/broker/service.js';
import { SqliteStore } from '../../src/broker/store/sqlite.js';
import type { Operator } from '../../src/platform/operator.js';

export const operator: Operator = { name: 'alice', host: 'test-host', tty: null, groups: () => ['sre'] };

export interface TestBroker {
  broker: Broker;
  store: SqliteStore;
  dir: string;
  clock: { now: number };
  /** Writes an executable shell script into the test dir and returns its path. */
  script(name: string, body: string): string;
  remove(): void;
}

/**
 * `policy` may be a function, to write issuer scripts into the test dir before the policy names them.
 * `served`: a broker as `jit serve` runs it, with no host of its own, judging owners by heartbeats.
 */
export async function testBroker(policy?: string | ((script: TestBroker['script']) => string), options: { served?: boolean; approvals?: Record<string, RolePolicy['approval']> } = {}): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'jit-broker-'));
  chmodSync(dir, 0o700);
  const clock = { now: Date.now() };
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o700 });
    return path;
  };
  const keys = stateDirKeys(dir);
  const store = SqliteStore.open(join(dir, 'jit.db'), { stateDir: dir, keys, now: () => new Date(clock.now) });
  const yaml = typeof policy === 'function' ? policy(script) : policy;
  const parsed = yaml ? await parsePolicy(yaml, 'test-policy.yaml') : (await import('../../src/broker/policy/default.js')).defaultPolicy;
  // Approvals are set on the parsed roles: a policy file may not ask for them until the whole flow is in.
  for (const [role, approval] of Object.entries(options.approvals ?? {})) parsed.roles.get(role)!.approval = approval;
  const broker = new Broker({ policy: parsed, store, keys, ...(options.served ? {} : { host: operator.host }), now: () => clock.now });
  return {
    broker,
    store,
    dir,
    clock,
    script,
    remove() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The owner of a grant in tests: this process, which is alive. */
export const liveOwner = () => ({ pid: process.pid, startTime: null });
