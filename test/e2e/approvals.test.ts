// Approvals end to end: `jit serve` with a real OpenID provider, and one workstation per person (each
// with its own Secret Service, as each person has their own keychain), all through the built binary.
// The requester waits on the broker's long poll, or leaves with --no-wait and picks the grant up later;
// approvers see, approve and deny; nobody approves their own request; and the audit says who did what.
import { createHmac } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JIT_BIN, sandbox, type Sandbox } from '../support/jit.js';
import { openTerminal } from '../support/pty.js';
import { startSecretService, type SecretService } from '../support/secret-service.js';
import { brokerFiles, deviceLogin, startTeamBroker, teamWorkstation, type TeamBroker } from '../support/served.js';
import { until } from '../support/waits.js';

/** A target on the broker's side that can move a credential's end (a command issuer with renew). */
const issuerBin = mkdtempSync(join(tmpdir(), 'jit-renewable-'));
const issuerScript = (name: string, body: string) => {
  writeFileSync(join(issuerBin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(issuerBin, name), 0o700);
  return join(issuerBin, name);
};
const RENEWALS = join(issuerBin, 'renewals.log');
const RENEWABLE = `{ type: command, issue: ${issuerScript('issue', `cat >/dev/null; echo '{"env":{"TARGET_TOKEN":"t0k3n"}}'`)}, revoke: ${issuerScript('revoke', 'cat >/dev/null')}, renew: ${issuerScript('renew', `cat >>${RENEWALS}; echo >>${RENEWALS}`)} }`;

const POLICY = `roles:
  prod-bg:
    description: Production, with break-glass for incidents
    ttl: { default: 5m, max: 1h }
    requesters: [group:sre]
    issuer: ${RENEWABLE}
    breakGlass: { allowed: true, ttl: 10m, reviewers: [group:sre-leads] }
  prod-renew:
    ttl: { default: 5m, max: 1h }
    requesters: [group:sre]
    approval: { required: 1, approvers: [group:sre-leads] }
    issuer: ${RENEWABLE}
  dev:
    ttl: { default: 5m, max: 1h }
    requesters: [group:sre]
    issuer: { type: jwt }
  prod:
    description: Production, with a lead's approval
    ttl: { default: 5m, max: 1h }
    requesters: [group:sre]
    approval: { required: 1, approvers: [group:sre-leads] }
    issuer: { type: jwt }
  prod-two:
    ttl: { default: 5m, max: 1h }
    requesters: [group:sre]
    approval: { required: 2, approvers: [group:sre-leads, group:sre] }
    issuer: { type: jwt }
  brief:
    ttl: { default: 5m, max: 1h }
    requesters: [group:sre]
    approval: { required: 1, approvers: [group:sre-leads], pendingTtl: 3s }
    issuer: { type: jwt }
`;

const USERS = { alice: ['sre'], bob: ['sre-leads'], carol: ['sre-leads'], dave: ['sre'] };
type User = keyof typeof USERS;

let team: TeamBroker;
const keychains: SecretService[] = [];
const desks = {} as Record<User, Sandbox>;

/** Where the broker sends its notifications: a generic webhook and a Slack incoming webhook, on loopback. */
const WEBHOOK_SECRET = 'w'.repeat(48);
const deliveries: { to: 'webhook' | 'slack'; headers: IncomingHttpHeaders; body: string }[] = [];
const receivers: Server[] = [];
async function receiver(to: 'webhook' | 'slack'): Promise<string> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      deliveries.push({ to, headers: request.headers, body });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receivers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/${to}`;
}

const signedBy = (secret: string, { headers, body }: { headers: IncomingHttpHeaders; body: string }) =>
  headers['x-jit-signature'] === `v1=${createHmac('sha256', secret).update(`${String(headers['x-jit-timestamp'])}.${body}`).digest('hex')}`;

beforeAll(async () => {
  const webhook = await receiver('webhook');
  const slack = await receiver('slack');
  team = await startTeamBroker(POLICY, USERS, { JIT_WEBHOOK_SECRET: WEBHOOK_SECRET, JIT_SLACK_URL: slack }, `notifications:\n  webhook: { url: ${webhook}, secret: env:JIT_WEBHOOK_SECRET }\n  slack: { url: env:JIT_SLACK_URL }\n`);
  // Logged in once each, on their own workstation with their own keychain.
  for (const user of Object.keys(USERS) as User[]) {
    const keychain = await startSecretService();
    keychains.push(keychain);
    desks[user] = teamWorkstation(sandbox(keychain.env), team.broker.url);
    expect((await deviceLogin(desks[user], team.provider, user)).code).toBe(0);
  }
}, 120_000);
afterAll(async () => {
  Object.values(desks).forEach((desk) => desk.remove());
  await Promise.all(keychains.map((keychain) => keychain.stop()));
  await team?.stop();
  receivers.forEach((server) => server.close());
  rmSync(issuerBin, { recursive: true, force: true });
});

const jit = (user: User, args: string[], options: { timeoutMs?: number } = {}) => desks[user].run(args, options);

/** A requester's jit left running: what it printed so far, and its end. */
function waiting(user: User, args: string[]) {
  const child = desks[user].spawn(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const requestId = () =>
    until(`a request id from ${user}'s jit`, () => {
      if (child.exitCode !== null) throw new Error(`jit ended (${child.exitCode}) before it said what it waits for: ${stderr}`);
      return /request (r_[0-9a-z]{26}) for \S+ \(\S+\) waits/.exec(stderr)?.[1];
    });
  return { child, exited, requestId, out: () => stdout, err: () => stderr };
}

function grantRows(): { request_id: string; requester: string; state: string }[] {
  const db = team.files.db();
  try {
    return db.prepare('SELECT request_id, requester, state FROM grants ORDER BY issued_at').all() as ReturnType<typeof grantRows>;
  } finally {
    db.close();
  }
}

/** `jit` inside a session on this desk is this checkout's, whatever else the machine has. */
function jitOnPath(user: User): void {
  const bin = join(desks[user].home, 'bin');
  if (existsSync(join(bin, 'jit'))) return;
  mkdirSync(bin, { recursive: true, mode: 0o700 });
  symlinkSync(JIT_BIN, join(bin, 'jit'));
  desks[user].env.PATH = `${bin}:${desks[user].env.PATH}`;
}

let stray: ReturnType<typeof waiting>[] = [];
afterEach(() => {
  stray.forEach((run) => run.child.kill('SIGKILL'));
  stray = [];
});

describe('approvals through the built binary', () => {
  it('shows who approves what in `jit roles`', async () => {
    const roles = await jit('alice', ['roles']);
    expect(roles.code).toBe(0);
    expect(roles.stdout).toMatch(/prod\s+5m \(max 1h\)\s+offline\s+1 of group:sre-leads\s+jwt\s+yes/);
    const json = JSON.parse((await jit('alice', ['roles', '--json'])).stdout) as { roles: { name: string; approvals: number; approvers: string[]; pendingTtl: string }[] };
    expect(json.roles.find((role) => role.name === 'brief')).toMatchObject({ approvals: 1, approvers: ['group:sre-leads'], pendingTtl: '3s' });
    expect(roles.stdout).toMatch(/prod-bg\s+5m \(max 1h\)\s+offline\s+none; break-glass 10m\s+command\s+yes/);
  });

  it('request → pending → approved by another → the command runs; the requester never approves their own', async () => {
    const run = waiting('alice', ['exec', '-t', 'OPS-1', '-r', 'prod', '--reason', 'rotate the key', '--', 'sh', '-c', 'echo "ran as $JIT_ROLE for $JIT_TICKET"']);
    stray.push(run);
    const id = await run.requestId();
    expect(run.err()).toContain(`an approver runs \`jit approve ${id}\``);
    expect(run.err()).toContain(`\`jit elevate --request ${id}\` picks it up later`);

    // SECURITY: not their own, whatever they try; and not someone outside the role's approvers.
    expect(await jit('alice', ['approve', id])).toMatchObject({ code: 77, stderr: expect.stringContaining(`you may not decide your own request ${id}`) });
    expect(await jit('dave', ['approve', id])).toMatchObject({ code: 77, stderr: expect.stringContaining(`there is no request ${id} you may decide`) });

    const listed = JSON.parse((await jit('bob', ['requests', '--pending', '--json'])).stdout) as { requests: Record<string, unknown>[] };
    expect(listed.requests).toEqual([expect.objectContaining({ id, role: 'prod', ticket: 'OPS-1', requester: 'alice', reason: 'rotate the key', state: 'pending', required: 1, approvers: [] })]);
    expect((await jit('bob', ['requests'])).stdout).toMatch(new RegExp(`${id}\\s+prod\\s+OPS-1\\s+alice\\s+5m\\s+0 of 1\\s+pending, \\d+m left\\s+rotate the key`));

    const approvedAt = Date.now();
    expect(await jit('bob', ['approve', id, '--reason', 'looked at the change'])).toMatchObject({ code: 0, stdout: `Approved ${id} (1 of 1 (bob)): alice asks for prod on OPS-1 for 5m: "rotate the key"; it is theirs to pick up.\n` });
    expect(await run.exited).toBe(0);
    // The long poll answers as the decision lands: no waiting out a polling interval.
    expect(Date.now() - approvedAt).toBeLessThan(5000);
    expect(run.out()).toBe('ran as prod for OPS-1\n');
    expect(grantRows().filter((grant) => grant.request_id === id)).toEqual([{ request_id: id, requester: 'alice', state: 'revoked' }]);

    // A replayed approval, and a second pick-up of the same approval: both refused.
    expect(await jit('carol', ['approve', id])).toMatchObject({ code: 64, stderr: expect.stringContaining(`request ${id} is approved, not pending`) });
    expect(await jit('alice', ['elevate', '--request', id, '--shell', '/bin/true'])).toMatchObject({ code: 64, stderr: expect.stringContaining(`request ${id} was already used for a grant`) });

    // The approvers were told, and everyone was told of the decision: signed, and after the audit had it.
    const about = (to: 'webhook' | 'slack') => deliveries.filter((delivery) => delivery.to === to && (to === 'webhook' ? delivery.body.includes(id) : delivery.body.includes('OPS-1')));
    await until('the notifications of the request and its approval', () => about('webhook').length === 2 && about('slack').length === 2);
    expect(about('webhook').every((delivery) => signedBy(WEBHOOK_SECRET, delivery))).toBe(true);
    expect(about('webhook').map((delivery) => JSON.parse(delivery.body))).toEqual([
      expect.objectContaining({ type: 'request.pending', request: expect.objectContaining({ requester: 'alice', reason: 'rotate the key', ttlSeconds: 300 }), decide: expect.objectContaining({ approve: `jit approve ${id}` }) }),
      expect.objectContaining({ type: 'request.approved', actor: expect.stringMatching(/^user:bob@/) }),
    ]);
    expect(JSON.parse(about('slack')[0]!.body)).toMatchObject({ text: 'alice asks for prod on OPS-1: approval needed' });
    expect(about('slack')[0]!.body).toContain(`\`jit approve ${id}\``);

    const audit = JSON.parse((await jit('carol', ['audit', '--ticket', 'OPS-1', '--json'])).stdout) as { events: { type: string; actor: string; requestId?: string; grantId?: string }[] };
    const grantId = audit.events.find((event) => event.requestId === id && event.grantId)!.grantId;
    const trail = audit.events.filter((event) => event.requestId === id || event.grantId === grantId).map((event) => `${event.type} ${event.actor.replace(/@.*/, '')}`);
    expect(trail).toEqual(['request.created user:alice', 'request.pending policy', 'request.approval user:bob', 'request.approved user:bob', 'grant.issuing user:alice', 'grant.issued user:alice', 'session.started user:alice', 'session.ended user:alice', 'grant.revoked user:alice', 'revocation.verified revoker']);
  });

  it('--no-wait leaves at once (75) with the request id; --request picks the grant up once approved', async () => {
    const shell = join(desks.alice.home, 'show-env');
    writeFileSync(shell, '#!/bin/sh\necho "picked up $JIT_ROLE for $JIT_TICKET"\n');
    chmodSync(shell, 0o700);
    const left = await jit('alice', ['elevate', '-t', 'OPS-2', '-r', 'prod', '--no-wait', '--shell', shell]);
    expect(left.code).toBe(75);
    const id = left.stdout.trim();
    expect(id).toMatch(/^r_[0-9a-z]{26}$/);
    expect(left.stderr).toMatch(new RegExp(`^jit: request ${id} for prod \\(OPS-2\\) waits for 1 more approval\\n\\s+→ once approved, pick it up with \`jit elevate --request ${id}\``));

    expect(await jit('alice', ['elevate', '--request', id, '--no-wait', '--shell', shell])).toMatchObject({ code: 75, stdout: `${id}\n` });
    expect(await jit('alice', ['elevate', '--request', id, '--role', 'prod'])).toMatchObject({ code: 64, stderr: expect.stringMatching(/^jit: --request picks up a request made earlier, with its own --role\n/) });
    expect(await jit('alice', ['elevate', '--request', 'r_nope'])).toMatchObject({ code: 64, stderr: expect.stringContaining('"r_nope" is not a request id') });
    expect(await jit('bob', ['elevate', '--request', id, '--shell', shell])).toMatchObject({ code: 64, stderr: expect.stringContaining(`request ${id} is alice's: only they may pick up its grant`) });

    expect((await jit('carol', ['approve', id, '--yes'])).code).toBe(0);
    // Inside a session of another role (dev does not allow nesting), the pick-up is refused as a new request would be.
    const nested = await jit('alice', ['exec', '-t', 'OPS-20', '-r', 'dev', '--', process.execPath, JIT_BIN, 'elevate', '--request', id, '--shell', shell]);
    expect(nested).toMatchObject({ code: 77, stderr: expect.stringContaining('does not allow nesting') });
    expect(await jit('alice', ['elevate', '--request', id, '--shell', shell])).toMatchObject({ code: 0, stdout: 'picked up prod for OPS-2\n' });
  });

  it('break-glass: no approver, a short TTL, JIT_BREAKGLASS=1, everyone told; reviewed after by a reviewer, never the one who used it', async () => {
    jitOnPath('alice');
    const shell = join(desks.alice.home, 'incident-shell');
    writeFileSync(shell, '#!/bin/sh\necho "in $JIT_ROLE for $JIT_TICKET breakglass=$JIT_BREAKGLASS left=$((JIT_EXPIRES_AT - $(date +%s)))"\njit status --prompt\njit extend --by 5m; echo "extend=$?"\n');
    chmodSync(shell, 0o700);
    const used = await jit('alice', ['break-glass', '--role', 'prod-bg', '--reason', 'orders DB refusing writes', '--incident', 'INC-4711', '--shell', shell]);
    expect(used.code, used.stderr).toBe(0);
    expect(used.stdout).toMatch(/^in prod-bg for INC-4711 breakglass=1 left=(59\d|600)\nBREAK-GLASS prod-bg (9|10)m\nextend=77\n$/);
    const grantId = /jit review (g_[0-9a-z]{26})/.exec(used.stderr)?.[1];
    expect(used.stderr).toContain('WARNING: BREAK-GLASS on prod-bg: no approver; your team is told now, and group:sre-leads will review this use');
    expect(used.stderr).toContain('is a break-glass grant: it is not extended');
    expect(grantId).toMatch(/^g_/);

    // Told at once, signed: the use and who reviews it, with the command that closes the review.
    const told = () => deliveries.filter((delivery) => delivery.body.includes(grantId!));
    await until('the break-glass notifications', () => told().filter((delivery) => delivery.to === 'webhook').length === 1 && told().some((delivery) => delivery.to === 'slack'));
    const webhook = told().find((delivery) => delivery.to === 'webhook')!;
    expect(signedBy(WEBHOOK_SECRET, webhook)).toBe(true);
    expect(JSON.parse(webhook.body)).toMatchObject({ type: 'review.due', grantId, data: { reviewers: 'group:sre-leads' }, request: { requester: 'alice', reason: 'orders DB refusing writes', ticket: 'INC-4711' } });
    expect(JSON.parse(told().find((delivery) => delivery.to === 'slack')!.body)).toMatchObject({ text: 'BREAK-GLASS: alice took prod-bg without an approver (INC-4711): review needed' });

    // Listed with its review due; closed by a reviewer only, never by the one who used it, and once.
    expect((await jit('carol', ['audit', '--break-glass'])).stdout).toMatch(new RegExp(`${grantId}\\s+\\S+ \\S+\\s+prod-bg\\s+alice\\s+INC-4711\\s+review due\\s+orders DB refusing writes`));
    expect(await jit('alice', ['review', grantId!])).toMatchObject({ code: 77, stderr: expect.stringContaining(`you may not review your own break-glass use ${grantId}`) });
    expect(await jit('dave', ['review', grantId!])).toMatchObject({ code: 77, stderr: expect.stringContaining(`there is no break-glass use "${grantId}" you may review`) });
    expect(await jit('bob', ['review', grantId!, '--note', 'needed; root cause in CHG-12'])).toMatchObject({ code: 0, stdout: `Reviewed ${grantId}: alice's break-glass use of prod-bg (INC-4711).\n` });
    expect(await jit('carol', ['review', grantId!])).toMatchObject({ code: 64, stderr: expect.stringContaining(`the review of ${grantId} was already closed`) });
    const listed = JSON.parse((await jit('carol', ['audit', '--break-glass', '--json'])).stdout) as { uses: { grant: { id: string; breakGlass: boolean }; review: { by: string } | null }[] };
    expect(listed.uses.find((use) => use.grant.id === grantId)).toMatchObject({ grant: { breakGlass: true }, review: { by: 'bob' } });

    const trail = JSON.parse((await jit('carol', ['audit', '--grant', grantId!, '--json'])).stdout) as { events: { type: string; actor: string }[] };
    expect(trail.events.map((event) => `${event.type} ${event.actor.replace(/@.*/, '')}`)).toEqual([
      'grant.issuing user:alice', 'grant.issued user:alice', 'review.due break-glass', 'session.started user:alice', 'session.ended user:alice', 'grant.revoked user:alice', 'revocation.verified revoker', 'review.closed user:bob',
    ]);
  }, 60_000);

  it('break-glass on a role that does not allow it, or by someone who may not request the role: 77, on the record, nothing issued', async () => {
    const before = grantRows().length;
    expect(await jit('alice', ['break-glass', '--role', 'prod', '--reason', 'just because', '--shell', '/bin/true'])).toMatchObject({ code: 77, stderr: expect.stringContaining('break-glass denied: prod does not allow break-glass') });
    expect(await jit('bob', ['break-glass', '--role', 'prod-bg', '--reason', 'not mine', '--shell', '/bin/true'])).toMatchObject({ code: 77, stderr: expect.stringContaining('break-glass denied: bob is not among the requesters of prod-bg') });
    expect(await jit('alice', ['break-glass', '--role', 'prod-bg', '--reason', 'x', '--incident', 'INC 1; rm', '--shell', '/bin/true'])).toMatchObject({ code: 64, stderr: expect.stringContaining('is not an incident id') });
    expect(await jit('alice', ['break-glass', '--role', 'prod-bg', '--shell', '/bin/true'])).toMatchObject({ code: 64, stderr: expect.stringMatching(/^jit: .*--reason/) });
    expect(grantRows()).toHaveLength(before);
    const audit = JSON.parse((await jit('carol', ['audit', '--json'])).stdout) as { events: { type: string; role: string; data: { breakGlass?: boolean; reason?: string } }[] };
    expect(audit.events.filter((event) => event.type === 'request.denied' && event.data.reason === 'prod does not allow break-glass')).toHaveLength(1);
  });

  it('jit extend on a role with approvals: a renewal waits for an approver like a request, --no-wait and --request pick it up; never the requester\'s own', async () => {
    jitOnPath('alice');
    const handoff = join(desks.alice.home, 'renewal-id');
    const go = join(desks.alice.home, 'approved');
    // In the session: a renewal left at once (75, its id on stdout), then picked up once approved; then one waited for.
    const script = [
      `id=$(jit extend --by 10m --no-wait --reason "the migration runs long"); echo "no-wait=$?"`,
      `echo "$id" >${handoff}`,
      `n=0; while [ ! -e ${go} ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n+1)); done`,
      `jit extend --request "$id"; echo "picked=$?"`,
      `jit extend --by 5m; echo "waited=$?"`,
    ].join('\n');
    const run = waiting('alice', ['exec', '-t', 'OPS-40', '-r', 'prod-renew', '--', 'sh', '-c', script]);
    stray.push(run);
    const first = await run.requestId();
    expect((await jit('bob', ['approve', first, '--yes'])).code).toBe(0);
    const renewal = await until('the renewal id', () => (existsSync(handoff) ? readFileSync(handoff, 'utf8').trim() || undefined : undefined));
    expect(renewal).toMatch(/^r_[0-9a-z]{26}$/);

    const listed = JSON.parse((await jit('bob', ['requests', '--pending', '--json'])).stdout) as { requests: { id: string; renews?: string; ttlSeconds: number }[] };
    const grantId = listed.requests.find((request) => request.id === renewal)?.renews;
    expect(grantId).toMatch(/^g_[0-9a-z]{26}$/);
    expect((await jit('bob', ['requests', '--pending'])).stdout).toContain('the migration runs long');
    // SECURITY: nobody approves their own renewal; a renewal's approval is never a grant of its own.
    expect(await jit('alice', ['approve', renewal])).toMatchObject({ code: 77, stderr: expect.stringContaining(`you may not decide your own request ${renewal}`) });
    expect((await jit('carol', ['approve', renewal, '--yes'])).stdout).toContain(`alice asks to extend ${grantId} (prod-renew on OPS-40) by 10m: "the migration runs long"`);
    expect(await jit('alice', ['elevate', '--request', renewal, '--shell', '/bin/true'])).toMatchObject({ code: 64, stderr: expect.stringContaining(`request ${renewal} extends grant ${grantId}, it gives no grant of its own`) });
    writeFileSync(go, '');

    // The one waited for: approved as the requester waits on the long poll.
    const waited = await until('the second renewal', async () => {
      const pending = JSON.parse((await jit('bob', ['requests', '--pending', '--json'])).stdout) as { requests: { id: string; renews?: string }[] };
      return pending.requests.find((request) => request.renews === grantId)?.id;
    });
    expect((await jit('bob', ['approve', waited, '--yes'])).code).toBe(0);
    expect(await run.exited).toBe(0);
    expect(run.out()).toMatch(new RegExp(`^no-wait=75\nExtended ${grantId} prod-renew \\(OPS-40\\) by 10m: .*\npicked=0\nExtended ${grantId} prod-renew \\(OPS-40\\) by 5m: .*\nwaited=0\n$`));
    // A second pick-up of a used renewal is refused.
    expect(await jit('alice', ['extend', grantId!, '--request', renewal])).toMatchObject({ code: 64, stderr: expect.stringContaining(`request ${renewal} was already used`) });

    const audit = JSON.parse((await jit('carol', ['audit', '--grant', grantId!, '--json'])).stdout) as { events: { type: string; actor: string; data: { from?: number; to?: number } }[] };
    const extended = audit.events.filter((event) => event.type === 'grant.extended');
    expect(extended.map((event) => [event.actor.replace(/@.*/, ''), event.data.to! - event.data.from!])).toEqual([['user:alice', 600], ['user:alice', 300]]);
    const told = readFileSync(RENEWALS, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { grant: { id: string; expiresAt: number } }).grant);
    expect(told.map((grant) => [grant.id, grant.expiresAt])).toEqual(extended.map((event) => [grantId, event.data.to]));
  }, 60_000);

  it('a denial reaches the waiting requester with who and why (77); nothing is issued', async () => {
    const run = waiting('alice', ['exec', '-t', 'OPS-3', '-r', 'prod', '--', 'true']);
    stray.push(run);
    const id = await run.requestId();
    expect(await jit('carol', ['deny', id])).toMatchObject({ code: 64, stderr: expect.stringMatching(/^jit: missing --reason\n\s+→ say why/) });
    expect(await jit('carol', ['deny', id, '--reason', 'not during the release freeze'])).toMatchObject({ code: 0, stdout: `Denied ${id}: alice asks for prod on OPS-3 for 5m.\n` });
    expect(await run.exited).toBe(77);
    expect(run.err()).toContain(`jit: request ${id} was denied by carol: not during the release freeze`);
    expect(grantRows().some((grant) => grant.request_id === id)).toBe(false);
    const mine = JSON.parse((await jit('alice', ['requests', '--json'])).stdout) as { requests: { id: string; state: string; denial?: unknown }[] };
    expect(mine.requests.find((request) => request.id === id)).toMatchObject({ state: 'denied', denial: { by: 'carol', reason: 'not during the release freeze' } });
  });

  it('two approvers at once give one approval of the request and one grant', async () => {
    const run = waiting('alice', ['exec', '-t', 'OPS-4', '-r', 'prod', '--', 'true']);
    stray.push(run);
    const id = await run.requestId();
    const both = await Promise.all([jit('bob', ['approve', id]), jit('carol', ['approve', id])]);
    // Each either approved, or found it approved already (64): never a second approval of the request.
    expect(both.some((result) => result.code === 0)).toBe(true);
    expect(both.every((result) => result.code === 0 || (result.code === 64 && result.stderr.includes('is approved, not pending')))).toBe(true);
    expect(await run.exited).toBe(0);
    expect(grantRows().filter((grant) => grant.request_id === id)).toHaveLength(1);
    const approved = JSON.parse((await jit('bob', ['audit', '--ticket', 'OPS-4', '--json'])).stdout).events.filter((event: { type: string; requestId?: string }) => event.type === 'request.approved' && event.requestId === id);
    expect(approved).toHaveLength(1);
  });

  it('two distinct approvals for a role that needs two; the same approver twice counts once', async () => {
    const run = waiting('alice', ['exec', '-t', 'OPS-5', '-r', 'prod-two', '--', 'true']);
    stray.push(run);
    const id = await run.requestId();
    expect(await jit('bob', ['approve', id])).toMatchObject({ code: 0, stdout: `Approval recorded for ${id} (1 of 2 (bob)): it still waits for 1 more.\n` });
    expect(await jit('bob', ['approve', id])).toMatchObject({ code: 64, stderr: expect.stringContaining(`you already approved request ${id}`) });
    expect(run.child.exitCode).toBeNull();
    expect((await jit('dave', ['approve', id])).code).toBe(0);
    expect(await run.exited).toBe(0);
  });

  it('a request nobody decides expires (75), and a late approval is refused', async () => {
    const run = waiting('alice', ['exec', '-t', 'OPS-6', '-r', 'brief', '--', 'true']);
    stray.push(run);
    const id = await run.requestId();
    expect(await run.exited).toBe(75);
    expect(run.err()).toContain(`jit: request ${id} expired before it was approved`);
    expect(await jit('bob', ['approve', id])).toMatchObject({ code: 64, stderr: expect.stringContaining(`request ${id} is expired, not pending`) });
    expect(grantRows().some((grant) => grant.request_id === id)).toBe(false);
  });

  it('exec --wait gives up after that long (75) and leaves the request pending; Ctrl-C stops waiting too', async () => {
    const started = Date.now();
    const gaveUp = await jit('alice', ['exec', '-t', 'OPS-7', '-r', 'prod', '--wait', '2s', '--', 'true']);
    expect(gaveUp.code).toBe(75);
    expect(Date.now() - started).toBeLessThan(8000);
    const id = /request (r_[0-9a-z]{26})/.exec(gaveUp.stderr)![1]!;
    expect(gaveUp.stderr).toContain(`jit: request ${id} still waits for 1 more approval; stopped waiting`);
    expect(JSON.parse((await jit('bob', ['requests', '--pending', '--json'])).stdout).requests.map((request: { id: string }) => request.id)).toContain(id);

    const run = waiting('alice', ['exec', '-t', 'OPS-8', '-r', 'prod', '--', 'true']);
    stray.push(run);
    const second = await run.requestId();
    const interrupted = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(75);
    // Leaving does not wait out the long poll in flight.
    expect(Date.now() - interrupted).toBeLessThan(3000);
    expect(run.err()).toContain(`jit: stopped waiting; request ${second} still waits for 1 more approval`);
    expect(run.err()).toContain(`→ once approved, pick it up with \`jit elevate --request ${second}\``);
  });

  it('on a terminal, the approver is shown the request and confirms it; the requester sees a spinner', async () => {
    const requester = openTerminal([process.execPath, JIT_BIN, 'exec', '-t', 'OPS-9', '-r', 'prod', '--reason', 'disk full', '--', 'true'], desks.alice.env);
    await requester.waitFor(/waits for 1 more approval/);
    const id = /request (r_[0-9a-z]{26})/.exec(requester.screen())![1]!;
    await requester.waitFor(new RegExp(`waiting for approval of ${id}`));
    const approver = openTerminal([process.execPath, JIT_BIN, 'approve', id], desks.bob.env);
    await approver.waitFor(/alice asks for prod on OPS-9 for 5m: "disk full"/);
    await approver.waitFor(/approvals so far: 0 of 1/);
    await approver.waitFor(new RegExp(`Approve ${id}\\?`));
    approver.type('y\r');
    expect(await approver.exited).toBe(0);
    expect(await requester.exited).toBe(0);
  });
});

describe('notification settings', () => {
  it('a broker whose notification secret is missing or weak does not start (78)', async () => {
    const files = brokerFiles(POLICY, 'listen: 127.0.0.1:0\noidc: { issuer: https://login.example.com, audience: jit, clientId: jit-cli }\nnotifications:\n  webhook: { url: https://hooks.example.com/jit, secret: env:JIT_WEBHOOK_SECRET }\n  slack: { url: env:JIT_SLACK_URL }\n', { JIT_WEBHOOK_SECRET: 'short' });
    try {
      const weak = await files.box.run(['serve', '--config', files.configPath, '--check']);
      expect(weak.code).toBe(78);
      expect(weak.stderr).toMatch(/^jit: notifications\.webhook\.secret: the webhook secret in env:JIT_WEBHOOK_SECRET is not 32 or more printable characters/);
      const noSlack = await files.box.run(['serve', '--config', files.configPath, '--check'], { env: { JIT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
      expect(noSlack).toMatchObject({ code: 78, stderr: expect.stringMatching(/^jit: notifications\.slack\.url: JIT_SLACK_URL is not set in the broker's environment/) });
      const inline = brokerFiles(POLICY, 'listen: 127.0.0.1:0\noidc: { issuer: https://login.example.com, audience: jit, clientId: jit-cli }\nnotifications:\n  slack: { url: https://hooks.slack.com/services/T0/B0/secret }\n');
      try {
        expect(await inline.box.run(['serve', '--config', inline.configPath, '--check'])).toMatchObject({ code: 78, stderr: expect.stringContaining('notifications.slack.url: must be env:NAME or file:/PATH') });
      } finally {
        inline.box.remove();
      }
    } finally {
      files.box.remove();
    }
  });
});

describe('break-glass settings', () => {
  it('a broker whose policy allows break-glass does not start without notifications (78): it would be heard by nobody', async () => {
    const files = brokerFiles(POLICY, 'listen: 127.0.0.1:0\noidc: { issuer: https://login.example.com, audience: jit, clientId: jit-cli }\n');
    try {
      const silent = await files.box.run(['serve', '--config', files.configPath, '--check']);
      expect(silent).toMatchObject({ code: 78, stderr: expect.stringMatching(/^jit: prod-bg allows break-glass, and nobody would hear of its use\n\s+→ configure notifications/) });
    } finally {
      files.box.remove();
    }
  });

  it('an embedded broker refuses break-glass (78), and a policy asking for more than 1h of it is invalid (78)', async () => {
    const box = sandbox();
    try {
      mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(box.configDir, 'policy.yaml'), POLICY, { mode: 0o600 });
      const refused = await box.run(['break-glass', '--role', 'prod-bg', '--reason', 'fire', '--shell', '/bin/true']);
      expect(refused).toMatchObject({ code: 78, stderr: expect.stringMatching(/^jit: break-glass on prod-bg needs a team broker: it notifies others and someone else reviews each use\n/) });
      expect(box.grantStates()).toEqual([]);
      writeFileSync(join(box.configDir, 'policy.yaml'), POLICY.replace('breakGlass: { allowed: true, ttl: 10m', 'breakGlass: { allowed: true, ttl: 2h'), { mode: 0o600 });
      expect(await box.run(['roles'])).toMatchObject({ code: 78, stderr: expect.stringContaining('break-glass lasts at most 1h') });
    } finally {
      box.remove();
    }
  });
});

describe('approvals without a team broker', () => {
  it('an embedded broker refuses a role that needs approvals (78), and jit doctor says why', async () => {
    const box = sandbox();
    try {
      mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(box.configDir, 'policy.yaml'), POLICY, { mode: 0o600 });
      const refused = await box.run(['exec', '-t', 'OPS-1', '-r', 'prod', '--', 'true']);
      expect(refused.code).toBe(78);
      expect(refused.stderr).toMatch(/^jit: role prod needs 1 approval, which only a team broker collects\n\s+→ serve .*policy\.yaml with `jit serve`/);
      expect(box.grantStates()).toEqual([]);
      const doctor = JSON.parse((await box.run(['doctor', '--json'])).stdout) as { checks: { name: string; status: string; detail: string }[] };
      expect(doctor.checks.find((check) => check.name === 'policy')).toMatchObject({ status: 'fail', detail: expect.stringContaining('prod-renew, prod, prod-two, brief need approvals') });
    } finally {
      box.remove();
    }
  });
});
