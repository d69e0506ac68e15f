// Who may request a role: `*`, `user:NAME` or `group:NAME` rules matched against the operator.
import type { Operator } from '../../platform/operator.js';
import type { RolePolicy } from './types.js';

export function mayRequest(role: RolePolicy, operator: Operator): boolean {
  return matchesRule(role.requesters, operator);
}

/** Whether any of `rules` (`*`, `user:NAME`, `group:NAME`) names the operator. */
export function matchesRule(rules: readonly string[], operator: Operator): boolean {
  return rules.some((rule) => {
    if (rule === '*') return true;
    if (rule.startsWith('user:')) return rule.slice(5) === operator.name;
    if (rule.startsWith('group:')) return operator.groups().includes(rule.slice(6));
    return false;
  });
}
