// The embedded operator: the OS account running jit, with where it runs from.
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

export interface Operator {
  /** The identity policy matches: `user` for the embedded backend; `workload:NAME` for a CI job. */
  name: string;
  host: string;
  tty: string | null;
  /** Lazily resolved group names, for `group:` requester rules. */
  groups(): string[];
  /** Set for a CI job the team broker knows by its identity token: never a person, never an approver. */
  workload?: WorkloadIdentity;
}

/** A CI job proven by its platform's OIDC identity token (server/workload-token.ts). */
export interface WorkloadIdentity {
  /** The policy's name for it (`workloads:`). */
  workload: string;
  issuer: string;
  subject: string;
  /** What the audit keeps of the token: which repository, ref, run and commit it was minted for. */
  provenance: Record<string, string>;
  expiresAt: number;
}

function readTty(): string | null {
  try {
    return process.stdin.isTTY ? readlinkSync('/proc/self/fd/0') : null;
  } catch {
    return null;
  }
}

/**
 * The user's group names as the system's NSS resolves them (files, SSSD, LDAP…), from `id -Gn`: Node
 * has no getgrouplist. Asked only when a policy rule names a group. If `id` fails, /etc/group alone.
 */
function readGroups(user: string): string[] {
  try {
    const names = execFileSync('id', ['-Gn', user], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (names) return names.split(/\s+/);
  } catch {
    // Fall back to the local file below.
  }
  const gids = new Set(process.getgroups?.() ?? []);
  try {
    return readFileSync('/etc/group', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .filter(([name, , gid, members]) => name && (gids.has(Number(gid)) || (members ?? '').split(',').includes(user)))
      .map(([name]) => name as string);
  } catch {
    return [];
  }
}

export function localOperator(): Operator {
  const info = userInfo();
  let groups: string[] | undefined;
  return {
    name: info.username,
    host: hostname(),
    tty: readTty(),
    groups: () => (groups ??= readGroups(info.username)),
  };
}
