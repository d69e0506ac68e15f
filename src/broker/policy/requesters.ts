// Who may request a role: `*`, `user:NAME`, `group:NAME` or `workload:NAME` rules matched against the operator.
import type { Operator } from '../../platform/operator.js';
import type { RolePolicy } from './types.js';

export function mayRequest(role: RolePolicy, operator: Operator): boolean {
  return matchesRule(role.requesters, operator);
}

/** Whether any of `rules` (`*`, `user:NAME`, `group:NAME`, `workload:NAME`) names the operator. */
export function matchesRule(rules: readonly string[], operator: Operator): boolean {
  return rules.some((rule) => {
    // SECURITY: `*` is every person; a CI job is let in only where a rule names it.
    if (rule === '*') return operator.workload === undefined;
    if (rule.startsWith('workload:')) return operator.workload?.workload === rule.slice(9);
    if (rule.startsWith('user:')) return operator.workload === undefined && rule.slice(5) === operator.name;
    if (rule.startsWith('group:')) return operator.groups().includes(rule.slice(6));
    return false;
  });
}
