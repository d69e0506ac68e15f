// The embedded operator: the OS account running jit, with where it runs from.
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

export interface Operator {
  /** The identity policy matches: `user` for the embedded backend. */
  name: string;
  uid: number;
  host: string;
  tty: string | null;
  /** Lazily resolved group names, for `group:` requester rules. */
  groups(): string[];
}

function readTty(): string | null {
  try {
    return process.stdin.isTTY ? readlinkSync('/proc/self/fd/0') : null;
  } catch {
    return null;
  }
}

function readGroups(user: string): string[] {
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
    uid: info.uid,
    host: hostname(),
    tty: readTty(),
    groups: () => (groups ??= readGroups(info.username)),
  };
}
