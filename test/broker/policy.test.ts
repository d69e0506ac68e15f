// Policy files: what they may say, and errors that name the line.
import { describe, expect, it } from 'vitest';
import { defaultPolicyYaml } from '../../src/broker/policy/default.js';
import { parsePolicy } from '../../src/broker/policy/parse.js';
import { ExitCode, JitError } from '../../src/core/errors.js';

async function invalid(yaml: string): Promise<string> {
  const error = await parsePolicy(yaml, 'policy.yaml').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(JitError);
  expect((error as JitError).exitCode).toBe(ExitCode.config);
  return (error as JitError).message;
}

describe('policy', () => {
  it('the file `jit init` writes parses to the built-in default', async () => {
    const policy = await parsePolicy(defaultPolicyYaml, 'policy.yaml');
    const demo = policy.roles.get('demo')!;
    expect(demo).toMatchObject({
      ttl: { defaultSeconds: 900, maxSeconds: 3600 },
      ticket: { system: 'offline', pattern: '^[A-Z][A-Z0-9_]+-[1-9][0-9]*$' },
      requesters: ['*'],
      issuer: { type: 'jwt', audience: 'jit' },
      heartbeat: { intervalSeconds: 30, timeoutSeconds: 90 },
      nesting: false,
    });
  });

  it('reads an ssh issuer with its defaults', async () => {
    const policy = await parsePolicy('roles:\n  ssh:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: ssh, ca: file:/etc/jit/ca, principals: [ops], krl: /etc/jit/revoked.krl }\n', 'p');
    expect(policy.roles.get('ssh')!.issuer).toEqual({ type: 'ssh', ca: 'file:/etc/jit/ca', principals: ['ops'], krl: '/etc/jit/revoked.krl', extensions: ['permit-pty'] });
  });

  it('the roles `jit init` shows commented out parse once uncommented', async () => {
    const uncommented = defaultPolicyYaml.replace(/^  # ( {2}\S.*| {4}.*)$/gm, '  $1').replace(/^  # ([a-z][a-z-]*:)$/gm, '  $1');
    const policy = await parsePolicy(uncommented, 'policy.yaml');
    expect([...policy.roles.keys()]).toEqual(['demo', 'orders-db', 'prod-ssh', 'db-readonly']);
    expect(policy.roles.get('orders-db')!.issuer).toMatchObject({ type: 'postgres', connection: 'env:ORDERS_ADMIN_DSN', grant: ['orders_admin'] });
  });

  it('reads approvals: how many, by whom, and how long a request waits for them', async () => {
    const policy = await parsePolicy('roles:\n  prod:\n    ttl: { default: 5m, max: 1h }\n    requesters: [group:sre]\n    approval: { required: 2, approvers: [group:sre-leads, user:carol], self: false, pendingTtl: 30m }\n    issuer: { type: jwt }\n', 'p');
    expect(policy.roles.get('prod')!.approval).toEqual({ required: 2, approvers: ['group:sre-leads', 'user:carol'], pendingSeconds: 1800 });
    const minimal = await parsePolicy('roles:\n  prod:\n    ttl: { default: 5m, max: 1h }\n    requesters: [group:sre]\n    approval: { required: 1, approvers: [group:sre-leads] }\n    issuer: { type: jwt }\n', 'p');
    expect(minimal.roles.get('prod')!.approval).toEqual({ required: 1, approvers: ['group:sre-leads'], pendingSeconds: 3600 });
  });

  it('reads workloads: issuer, audience, exact claims (one value or several) and algorithms', async () => {
    const policy = await parsePolicy(`roles:
  deploy:
    ttl: { default: 5m, max: 1h }
    requesters: [workload:gh-deploy, group:sre]
    issuer: { type: jwt }
workloads:
  gh-deploy:
    description: The deploy workflow on main
    issuer: https://token.actions.githubusercontent.com
    audience: https://jit.example.com
    claims: { repository: acme/app, ref: refs/heads/main, environment: [staging, production] }
`, 'policy.yaml');
    expect(policy.workloads.get('gh-deploy')).toEqual({
      name: 'gh-deploy', description: 'The deploy workflow on main', issuer: 'https://token.actions.githubusercontent.com', audience: 'https://jit.example.com',
      claims: { repository: ['acme/app'], ref: ['refs/heads/main'], environment: ['staging', 'production'] }, algorithms: ['RS256', 'ES256'],
    });
    expect((await parsePolicy(defaultPolicyYaml, 'policy.yaml')).workloads.size).toBe(0);
  });

  it('fills defaults for a minimal role', async () => {
    const policy = await parsePolicy('roles:\n  ops:\n    ttl: { default: 5m, max: 10m }\n    requesters: [user:alice]\n    issuer: { type: jwt }\n', 'p');
    expect(policy.roles.get('ops')).toMatchObject({ approval: { required: 0 }, nesting: false, issuer: { audience: 'jit' } });
  });

  it('reads a postgres issuer: the connection by reference, the roles, where sessions connect', async () => {
    const policy = await parsePolicy('roles:\n  db:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: postgres, connection: "file:/etc/jit/orders.dsn", grant: [orders_admin], database: orders, timeout: 20s }\n', 'p');
    expect(policy.roles.get('db')!.issuer).toEqual({ type: 'postgres', connection: 'file:/etc/jit/orders.dsn', grant: ['orders_admin'], database: 'orders', ownedObjects: 'drop', timeoutSeconds: 20 });
  });

  it.each([
    ['a YAML syntax error', 'roles:\n  demo: [\n', /policy\.yaml:\d+:\d+:/],
    ['a bad duration', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1y }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /policy\.yaml:3:\d+: roles\.demo\.ttl\.max: must be a duration/],
    ['default above max', 'roles:\n  demo:\n    ttl: { default: 2h, max: 1h }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /:3:\d+: roles\.demo\.ttl\.default: ttl\.default must not exceed ttl\.max/],
    ['an unknown key', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: jwt }\n    tll: 5m\n', /:6:5: roles\.demo: Unrecognized key.*tll/],
    ['a missing issuer', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n', /:2:\d+: roles\.demo\.issuer/],
    ['an unknown issuer type', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: aws }\n', /:5:\d+: roles\.demo\.issuer\.type/],
    ['a relative command path', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: command, issue: ./issue, revoke: /x }\n', /:5:\d+: roles\.demo\.issuer\.issue: must be an absolute path/],
    ['a postgres connection written into the policy', 'roles:\n  db:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: postgres, connection: "postgres://admin:pw@db/orders", grant: [orders_admin] }\n', /:5:\d+: roles\.db\.issuer\.connection: must be env:NAME, file:\/PATH or keychain:NAME/],
    ['a postgres role name that needs quoting', 'roles:\n  db:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: postgres, connection: env:DSN, grant: [\'x"; DROP ROLE y; --\'] }\n', /:5:\d+: roles\.db\.issuer\.grant\.0: must be a PostgreSQL role name/],
    ['an ssh CA written into the policy', 'roles:\n  ssh:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: ssh, ca: "-----BEGIN OPENSSH PRIVATE KEY-----", principals: [ops], krl: /etc/jit/revoked.krl }\n', /:5:\d+: roles\.ssh\.issuer\.ca: must be env:NAME, file:\/PATH or keychain:NAME/],
    ['an ssh extension OpenSSH does not know', 'roles:\n  ssh:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: ssh, ca: file:/etc/jit/ca, principals: [ops], krl: /etc/jit/revoked.krl, extensions: [permit-everything] }\n', /:5:\d+: roles\.ssh\.issuer\.extensions\.0: /],
    ['an ssh principal that is not a login name', 'roles:\n  ssh:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: ssh, ca: file:/etc/jit/ca, principals: ["root,admin"], krl: /etc/jit/revoked.krl }\n', /:5:\d+: roles\.ssh\.issuer\.principals\.0: must be a login name/],
    ['a postgres issuer granting no role', 'roles:\n  db:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: postgres, connection: env:DSN, grant: [] }\n', /:5:\d+: roles\.db\.issuer\.grant: /],
    ['an unanchored ticket pattern', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: offline, pattern: "OPS-.*" }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /:4:\d+: roles\.demo\.ticket\.pattern: must be a valid regular expression anchored/],
    ['a ticket system jit does not know', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: redmine }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /:4:\d+: roles\.demo\.ticket\.system: /],
    ['a ServiceNow role naming no table', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: servicenow, instance: "https://acme.service-now.com", credentials: env:SN }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /:4:\d+: roles\.demo\.ticket\.tables: /],
    ['a GitHub role naming no repository', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: github, credentials: env:GITHUB_TOKEN }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /:4:\d+: roles\.demo\.ticket\.repositories: /],
    ['a GitHub repository that is a path', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: github, credentials: env:GITHUB_TOKEN, repositories: [acme/..] }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /roles\.demo\.ticket\.repositories\.0: must be OWNER\/REPO/],
    ['a Jira without its site', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: jira, credentials: env:JIRA, projects: [OPS] }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /:4:\d+: roles\.demo\.ticket\.site: /],
    ['Jira credentials written into the policy', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: jira, site: "https://acme.atlassian.net", credentials: "bot@acme.com:token", projects: [OPS] }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /:4:\d+: roles\.demo\.ticket\.credentials: must be env:NAME, file:\/PATH or keychain:NAME/],
    ['a Jira site with a path', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: jira, site: "https://acme.atlassian.net/evil?x=", credentials: env:JIRA, projects: [OPS] }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /:4:\d+: roles\.demo\.ticket\.site: must be the site/],
    ['approvals without approvers', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    approval: { required: 1 }\n    issuer: { type: jwt }\n', /:5:\d+: roles\.demo\.approval\.approvers: name who may approve/],
    ['self-approval', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    approval: { required: 1, approvers: [group:sre], self: true }\n    issuer: { type: jwt }\n', /:5:\d+: roles\.demo\.approval\.self: nobody approves their own request/],
    ['more than 5 approvals', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    approval: { required: 6, approvers: [group:sre] }\n    issuer: { type: jwt }\n', /:5:\d+: roles\.demo\.approval\.required: at most 5 approvals/],
    ['a pending time beyond a day', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    approval: { required: 1, approvers: [group:sre], pendingTtl: 25h }\n    issuer: { type: jwt }\n', /:5:\d+: roles\.demo\.approval\.pendingTtl: a request waits for its approvers at most 24h/],
    ['a pending_ttl spelled otherwise', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    approval: { required: 1, approvers: [group:sre], pending_ttl: 1h }\n    issuer: { type: jwt }\n', /:5:\d+: roles\.demo\.approval: .*pending_ttl/],
    ['a bad requester', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: [alice]\n    issuer: { type: jwt }\n', /:4:\d+: roles\.demo\.requesters\.0: must be \*, user:NAME, group:NAME or workload:NAME/],
    ['an upper-case role name', 'roles:\n  Demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /roles\.Demo: role names are lower-case/],
    ['no roles', 'roles: {}\n', /roles: define at least one role/],
    ['a duplicate key', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ttl: { default: 5m, max: 1h }\n', /policy\.yaml:4:\d+:/],
    ['a backreference in the ticket pattern', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: offline, pattern: \'^(A)\\1-[0-9]+$\' }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /policy\.yaml:4:\d+: roles\.demo\.ticket\.pattern: .*RE2.*invalid escape sequence/],
    ['a lookahead in the ticket pattern', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: offline, pattern: \'^(?=A)[A-Z]+-[0-9]+$\' }\n    requesters: ["*"]\n    issuer: { type: jwt }\n', /policy\.yaml:4:\d+: roles\.demo\.ticket\.pattern: .*RE2.*\(\?=/],
    ['an overlong ticket pattern', `roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: offline, pattern: '^${'(A|B)'.repeat(200)}$' }\n    requesters: ["*"]\n    issuer: { type: jwt }\n`, /policy\.yaml:4:\d+: roles\.demo\.ticket\.pattern: .*at most 256 characters/],
    ['a GitHub workload that names no repository (every GitHub job gets tokens)', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: [workload:deploy]\n    issuer: { type: jwt }\nworkloads:\n  deploy:\n    issuer: https://token.actions.githubusercontent.com\n    audience: https://jit.example.com\n    claims: { ref: refs/heads/main }\n', /policy\.yaml:\d+:\d+: workloads\.deploy\.claims: every job on https:\/\/token\.actions\.githubusercontent\.com gets tokens: name one of sub, repository/],
    ['a workload with no claims', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: [workload:deploy]\n    issuer: { type: jwt }\nworkloads:\n  deploy:\n    issuer: https://token.actions.githubusercontent.com\n    audience: https://jit.example.com\n    claims: {}\n', /workloads\.deploy\.claims: name the claims that single out the job/],
    ['a workload condition on aud', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: [workload:deploy]\n    issuer: { type: jwt }\nworkloads:\n  deploy:\n    issuer: https://token.actions.githubusercontent.com\n    audience: https://jit.example.com\n    claims: { repository: acme/app, aud: x }\n', /workloads\.deploy\.claims: iss, aud, exp, nbf and iat are checked by jit itself/],
    ['a workload issuer over plain http off loopback', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: [workload:deploy]\n    issuer: { type: jwt }\nworkloads:\n  deploy:\n    issuer: http://ci.example.com\n    audience: jit\n    claims: { sub: x }\n', /workloads\.deploy\.issuer: must be an https:\/\/ URL \(http:\/\/ only on loopback\)/],
    ['a workload with a symmetric algorithm', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: [workload:deploy]\n    issuer: { type: jwt }\nworkloads:\n  deploy:\n    issuer: https://token.actions.githubusercontent.com\n    audience: https://jit.example.com\n    claims: { repository: acme/app }\n    algorithms: [HS256]\n', /workloads\.deploy\.algorithms\.0: /],
    ['a requester naming an undefined workload', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: [workload:deplyo]\n    issuer: { type: jwt }\nworkloads:\n  deploy:\n    issuer: https://token.actions.githubusercontent.com\n    audience: https://jit.example.com\n    claims: { repository: acme/app }\n', /policy\.yaml:4:\d+: roles\.demo\.requesters\.0: workload:deplyo is not defined under workloads:/],
    ['a workload as approver', 'roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    requesters: ["*"]\n    approval: { required: 1, approvers: [workload:deploy] }\n    issuer: { type: jwt }\nworkloads:\n  deploy:\n    issuer: https://token.actions.githubusercontent.com\n    audience: https://jit.example.com\n    claims: { repository: acme/app }\n', /roles\.demo\.approval\.approvers\.0: must be \*, user:NAME or group:NAME/],
  ])('rejects %s with exit 78 and the line', async (_name, yaml, message) => {
    expect(await invalid(yaml)).toMatch(message);
  });

  it('rejects more than 200 roles with exit 78, before validating them one by one', async () => {
    const role = (n: number) => `  r${n}: { ttl: { default: 1m, max: 1m }, requesters: ['*'], issuer: { type: jwt } }\n`;
    const many = `roles:\n${Array.from({ length: 201 }, (_, n) => role(n)).join('')}`;
    expect(await invalid(many)).toMatch(/policy\.yaml:1:1: roles: 201 roles; a policy may define at most 200/);
    const enough = await parsePolicy(`roles:\n${Array.from({ length: 200 }, (_, n) => role(n)).join('')}`, 'policy.yaml');
    expect(enough.roles.size).toBe(200);
  });

  it('rejects a YAML alias bomb ("billion laughs") with exit 78, without expanding it', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let n = 1; n < 9; n++) levels.push(`l${n}: &l${n} [${Array(10).fill(n === 1 ? '*a' : `*l${n - 1}`).join(', ')}]`);
    const bomb = `${levels.join('\n')}\nroles:\n  demo:\n    description: *l8\n`;
    expect(await invalid(bomb)).toMatch(/^invalid policy: policy\.yaml: .*alias/);
  });

  it('a policy pattern RE2 accepts is checked on RE2 after loading', async () => {
    const policy = await parsePolicy("roles:\n  demo:\n    ttl: { default: 5m, max: 1h }\n    ticket: { system: offline, pattern: '^(a+)+$' }\n    requesters: ['*']\n    issuer: { type: jwt }\n", 'p');
    const { validateTicketId } = await import('../../src/core/identifiers.js');
    expect(() => validateTicketId(`${'a'.repeat(63)}!`, policy.roles.get('demo')!.ticket.pattern)).toThrow(/not valid/);
  });
});
