// Parses and validates a policy file; every error names its file, line and column.
import { isMap } from '../../platform/yaml.js';
import { readYamlSettings, topLevelEntry } from '../../platform/yaml-settings.js';
import { JitError } from '../../core/errors.js';
import { policySchema } from './schema.js';
import type { Policy, RolePolicy, WorkloadPolicy } from './types.js';

function invalid(path: string, position: { line: number; col: number } | undefined, message: string): JitError {
  const where = position === undefined ? path : `${path}:${position.line}:${position.col}`;
  return new JitError('config', `invalid policy: ${where}: ${message}`, { hint: `fix ${path} (README.md, "Policy reference", shows every setting)` });
}

/** More roles than anyone manages by hand; it bounds what every command spends reading the policy. */
export const MAX_ROLES = 200;

/** Aliases (*name) may share a block between roles; more expansions than this is an attack, not a policy. */
const MAX_ALIAS_COUNT = 100;

export async function parsePolicy(text: string, path: string): Promise<Policy> {
  const read = readYamlSettings(text, policySchema, {
    maxAliasCount: MAX_ALIAS_COUNT,
    // Counted before validation, which would otherwise check every one of 20 000 roles first.
    precheck: (document) => {
      const roles = topLevelEntry(document, 'roles');
      return isMap(roles) && roles.items.length > MAX_ROLES ? { keys: ['roles'], message: `roles: ${roles.items.length} roles; a policy may define at most ${MAX_ROLES}` } : undefined;
    },
  });
  if (!read.ok) throw invalid(path, read.position, read.issue ? `${read.issue.path.map(String).join('.') || '(top level)'}: ${read.message}` : read.message);
  const result = { data: read.value };
  const byName = new Map<string, RolePolicy>();
  for (const [name, role] of Object.entries(result.data.roles)) {
    byName.set(name, {
      name,
      description: role.description,
      ttl: { defaultSeconds: role.ttl.default, maxSeconds: role.ttl.max },
      ticket: role.ticket,
      requesters: role.requesters,
      approval: { required: role.approval.required, approvers: role.approval.approvers, pendingSeconds: role.approval.pendingTtl },
      issuer: role.issuer,
      heartbeat: { intervalSeconds: role.heartbeat.interval, timeoutSeconds: role.heartbeat.timeout },
      nesting: role.nesting,
      breakGlass: { allowed: role.breakGlass.allowed, ttlSeconds: role.breakGlass.ttl, reviewers: role.breakGlass.reviewers ?? role.approval.approvers },
    });
  }
  const workloads = new Map<string, WorkloadPolicy>();
  for (const [name, entry] of Object.entries(result.data.workloads)) {
    const claims = Object.fromEntries(Object.entries(entry.claims).map(([claim, value]) => [claim, typeof value === 'string' ? [value] : value]));
    workloads.set(name, { name, description: entry.description, issuer: entry.issuer, audience: entry.audience, claims, algorithms: entry.algorithms });
  }
  return { roles: byName, workloads, source: path };
}
