// The embedded default from DESIGN.md: what jit runs with when there is no config at all.
import { DEFAULT_TICKET_PATTERN } from '../../core/identifiers.js';
import type { Policy, RolePolicy } from './types.js';

export const DEFAULT_POLICY_SOURCE = 'built-in default';

const demo: RolePolicy = {
  name: 'demo',
  description: 'Demonstration role, auto-approved, issues a signed JWT (JIT_TOKEN)',
  ttl: { defaultSeconds: 15 * 60, maxSeconds: 60 * 60 },
  ticket: { system: 'offline', pattern: DEFAULT_TICKET_PATTERN },
  requesters: ['*'],
  approval: { required: 0, approvers: [], pendingSeconds: 3600 },
  issuer: { type: 'jwt', audience: 'jit' },
  heartbeat: { intervalSeconds: 30, timeoutSeconds: 90 },
  nesting: false,
  breakGlass: { allowed: false, ttlSeconds: 900, reviewers: [] },
};

export const defaultPolicy: Policy = { roles: new Map([['demo', demo]]), workloads: new Map(), source: DEFAULT_POLICY_SOURCE };

/** What `jit init` writes: the default, spelled out, with the other options shown. */
export const defaultPolicyYaml = `# jit policy: one entry per role an operator may request.
# Reference: README.md, "Policy reference". Validate with: jit roles
roles:
  demo:
    description: Demonstration role, auto-approved, issues a signed JWT (JIT_TOKEN)
    ttl: { default: 15m, max: 1h }
    # offline: the id is checked against the pattern only and recorded as unverified.
    ticket: { system: offline, pattern: '${DEFAULT_TICKET_PATTERN}' }
    requesters: ['*']            # or user:alice, group:sre
    approval: { required: 0 }    # or { required: 1, approvers: [group:sre-leads], pendingTtl: 1h } on a team broker (jit serve)
    issuer: { type: jwt, audience: jit }
    heartbeat: { interval: 30s, timeout: 90s }
    nesting: false

  # A login role of its own per grant on a PostgreSQL server, dropped when the grant ends
  # (README.md, "The postgres issuer"); the admin connection is named here, never written:
  # orders-db:
  #   description: Read and fix the orders table
  #   ttl: { default: 30m, max: 2h }
  #   requesters: [group:sre]
  #   issuer: { type: postgres, connection: env:ORDERS_ADMIN_DSN, grant: [orders_admin] }

  # An OpenSSH certificate for a key jit makes per session, in a session ssh-agent; revoked through
  # the KRL sshd reads (README.md, "The ssh issuer"):
  # prod-ssh:
  #   description: A shell on the production hosts
  #   ttl: { default: 30m, max: 2h }
  #   requesters: [group:sre]
  #   issuer: { type: ssh, ca: file:/etc/jit/ssh_user_ca, principals: [ops], krl: /etc/jit/revoked.krl }

  # A role whose credential comes from your own executables (see docs/command-issuer.md):
  # db-readonly:
  #   description: Read-only account on the reporting database
  #   ttl: { default: 30m, max: 2h }
  #   ticket: { system: offline, pattern: '^OPS-[1-9][0-9]*$' }
  #   requesters: [group:sre]
  #   issuer:
  #     type: command
  #     issue: /usr/local/libexec/jit/db-issue
  #     revoke: /usr/local/libexec/jit/db-revoke
  #     verify: /usr/local/libexec/jit/db-verify
  #     timeout: 20s
  #     params: { database: reporting }
`;
