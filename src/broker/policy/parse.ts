// Parses and validates a policy file; every error names its file, line and column.
import { isMap, isSeq, LineCounter, parseDocument, type Document } from '../../platform/yaml.js';
import { JitError } from '../../core/errors.js';
import { policySchema } from './schema.js';
import type { IssuerConfig, Policy, RolePolicy } from './types.js';

/**
 * Where to point for a path: the key of the deepest entry that exists (a missing key is reported
 * at its parent's key), or the item itself inside a list.
 */
function offsetOf(document: Document, keys: string[]): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const key of keys) {
    if (isMap(node)) {
      const pair = node.items.find((item) => String((item.key as { value?: unknown } | null)?.value) === key);
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0];
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(key)] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      offset = item.range?.[0];
      node = item;
    } else break;
  }
  return offset;
}

function invalid(path: string, line: number | undefined, column: number | undefined, message: string): JitError {
  const where = line === undefined ? path : `${path}:${line}:${column ?? 1}`;
  return new JitError('config', `invalid policy: ${where}: ${message}`, { hint: `fix ${path}; \`jit init --force\` writes a fresh example` });
}

/** More roles than anyone manages by hand; it bounds what every command spends reading the policy. */
export const MAX_ROLES = 200;

/** Aliases (*name) may share a block between roles; more expansions than this is an attack, not a policy. */
const MAX_ALIAS_COUNT = 100;

export async function parsePolicy(text: string, path: string): Promise<Policy> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const position = lineCounter.linePos(syntaxError.pos[0]);
    throw invalid(path, position?.line, position?.col, syntaxError.message.split('\n')[0] ?? 'YAML syntax error');
  }
  // Counted before validation, which would otherwise check every one of 20 000 roles first.
  const roles = isMap(document.contents) ? document.contents.items.find((item) => String((item.key as { value?: unknown } | null)?.value) === 'roles')?.value : undefined;
  if (isMap(roles) && roles.items.length > MAX_ROLES) {
    const offset = offsetOf(document, ['roles']);
    const position = offset === undefined ? undefined : lineCounter.linePos(offset);
    throw invalid(path, position?.line, position?.col, `roles: ${roles.items.length} roles; a policy may define at most ${MAX_ROLES}`);
  }
  let plain: unknown;
  try {
    // SECURITY: each alias expands to a copy; nested ones ("billion laughs") would exhaust memory.
    plain = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw invalid(path, undefined, undefined, `${(error as Error).message} (at most ${MAX_ALIAS_COUNT} alias expansions)`);
  }
  const result = policySchema.safeParse(plain);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const keys = issue.path.map(String);
    const offset = offsetOf(document, keys);
    const position = offset === undefined ? undefined : lineCounter.linePos(offset);
    // A bad record key (a role or param name) carries the key schema's own message one level down.
    const message = (issue as { issues?: { message: string }[] }).issues?.[0]?.message ?? issue.message;
    throw invalid(path, position?.line, position?.col, `${keys.join('.') || '(top level)'}: ${message}`);
  }
  const byName = new Map<string, RolePolicy>();
  for (const [name, role] of Object.entries(result.data.roles)) {
    const issuer: IssuerConfig =
      role.issuer.type === 'jwt'
        ? { type: 'jwt', audience: role.issuer.audience }
        : { type: 'command', issue: role.issuer.issue, revoke: role.issuer.revoke, verify: role.issuer.verify, timeoutSeconds: role.issuer.timeout, params: role.issuer.params };
    byName.set(name, {
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
  return { roles: byName, source: path };
}
