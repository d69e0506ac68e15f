// Roles only a team broker can serve. An approval means someone else decided, on a broker the
// requester does not control; in the embedded broker the requester's own account would be the broker,
// the approver and the audit, so such a role is refused there instead of pretending.
import { JitError } from '../../core/errors.js';
import type { Policy, RolePolicy } from './types.js';

export function rolesNeedingTeamBroker(policy: Policy): string[] {
  return [...policy.roles.values()].filter((role) => role.approval.required > 0).map((role) => role.name);
}

export function needsTeamBroker(role: RolePolicy, source: string): JitError {
  return new JitError('config', `role ${role.name} needs ${role.approval.required} approval${role.approval.required > 1 ? 's' : ''}, which only a team broker collects`, {
    hint: `serve ${source} with \`jit serve\` and point workstations at it (README.md, "Running a team broker"), or set approval.required: 0 for ${role.name}`,
  });
}

/** SECURITY: break-glass on the requester's own machine would be heard by nobody and reviewed by nobody else. */
export function breakGlassNeedsTeamBroker(role: string, source: string): JitError {
  return new JitError('config', `break-glass on ${role} needs a team broker: it notifies others and someone else reviews each use`, {
    hint: `serve ${source} with \`jit serve\` and notifications configured (README.md, "Break-glass")`,
  });
}
