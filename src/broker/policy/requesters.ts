// Who may request a role: `*`, `user:NAME` or `group:NAME` rules matched against the operator.
import type { Operator } from '../../platform/operator.js';
import type { RolePolicy } from './types.js';

export function mayRequest(role: RolePolicy, operator: Operator): boolean {
  return role.requesters.some((rule) => {
    if (rule === '*') return true;
    if (rule.startsWith('user:')) return rule.slice(5) === operator.name;
    if (rule.startsWith('group:')) return operator.groups().includes(rule.slice(6));
    return false;
  });
}
