// Reads the policy file, or the built-in default when there is none; every error names its line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { JitError } from '../../core/errors.js';
import { privateFileExists } from '../../platform/paths.js';
import { defaultPolicy } from './default.js';
import type { IssuerConfig, Policy, RolePolicy } from './types.js';

export const POLICY_FILE = 'policy.yaml';

export async function loadPolicy(configDir: string): Promise<Policy> {
  const path = join(configDir, POLICY_FILE);
  if (!privateFileExists(path)) return defaultPolicy;
  return parsePolicy(readFileSync(path, 'utf8'), path);
}

function invalid(path: string, line: number | undefined, column: number | undefined, message: string): JitError {
  const where = line === undefined ? path : `${path}:${line}:${column ?? 1}`;
  return new JitError('config', `invalid policy: ${where}: ${message}`, { hint: `fix ${path}; \`jit init --force\` writes a fresh example` });
}

export async function parsePolicy(text: string, path: string): Promise<Policy> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const position = lineCounter.linePos(syntaxError.pos[0]);
    throw invalid(path, position?.line, position?.col, syntaxError.message.split('\n')[0] ?? 'YAML syntax error');
  }
  const { policySchema } = await import('./schema.js');
  const result = policySchema.safeParse(document.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const keys = issue.path.map(String);
    // Point at the deepest node that exists: a missing key is reported at its parent.
    let offset: number | undefined;
    for (let depth = keys.length; depth >= 0 && offset === undefined; depth--) {
      const node = document.getIn(keys.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      offset = node?.range?.[0];
    }
    const position = offset === undefined ? undefined : lineCounter.linePos(offset);
    throw invalid(path, position?.line, position?.col, `${keys.join('.') || '(top level)'}: ${issue.message}`);
  }
  const roles = new Map<string, RolePolicy>();
  for (const [name, role] of Object.entries(result.data.roles)) {
    const issuer: IssuerConfig =
      role.issuer.type === 'jwt'
        ? { type: 'jwt', audience: role.issuer.audience }
        : { type: 'command', issue: role.issuer.issue, revoke: role.issuer.revoke, verify: role.issuer.verify, timeoutSeconds: role.issuer.timeout, params: role.issuer.params };
    roles.set(name, {
      name,
      description: role.description,
      ttl: { defaultSeconds: role.ttl.default, maxSeconds: role.ttl.max },
      ticket: role.ticket,
      requesters: role.requesters,
      approval: role.approval,
      issuer,
      heartbeat: { intervalSeconds: role.heartbeat.interval, timeoutSeconds: role.heartbeat.timeout },
      nesting: role.nesting,
    });
  }
  return { roles, source: path };
}
