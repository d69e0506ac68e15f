// A policy whose role issues through the command issuer with scripts that take their time, so a
// test can act while a grant is being issued or revoked. The scripts log what they were asked.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from './jit.js';

export interface SlowIssuerOptions {
  issueSeconds?: number;
  revokeSeconds?: number;
  /** The issuer's timeout (default 20s). */
  timeout?: string;
  /** Extra YAML lines for the role (indented by the caller's six spaces). */
  roleExtra?: string;
}

/** Writes policy.yaml with role `slow` into the sandbox's config dir; returns the issuers' log path. */
export function useSlowIssuer(box: Sandbox, options: SlowIssuerOptions = {}): string {
  const dir = join(box.home, 'issuer');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const log = join(dir, 'calls.log');
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o700 });
    return path;
  };
  const issue = script('issue', `sleep ${options.issueSeconds ?? 0}; echo issue >> ${log}; echo '{"env":{"SLOW_TOKEN":"slow-secret-'$$'"},"handle":"lease-'$$'"}'`);
  const revoke = script('revoke', `cat > /dev/null; echo revoke >> ${log}; sleep ${options.revokeSeconds ?? 0}`);
  const verify = script('verify', `cat > /dev/null; echo '{"revoked":true}'`);
  mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(box.configDir, 'policy.yaml'),
    `roles:
  slow:
    description: issues and revokes slowly
    ttl: { default: 5m, max: 1h }
    requesters: ['*']
    issuer: { type: command, issue: ${issue}, revoke: ${revoke}, verify: ${verify}, timeout: ${options.timeout ?? '20s'} }
${options.roleExtra ?? ''}`,
    { mode: 0o600 },
  );
  return log;
}
