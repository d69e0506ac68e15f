// `jit doctor`: each check passes on a healthy set-up, and each fault is named with its fix.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../support/jit.js';
import { startGithub } from '../support/github.js';
import { startGitlab } from '../support/gitlab.js';
import { startJira } from '../support/jira.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { startPagerduty } from '../support/pagerduty.js';
import { startServicenow } from '../support/servicenow.js';

const sandboxes = useKeyringSandboxes();
let box: Sandbox;

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

async function doctor(env: Record<string, string> = {}) {
  const result = await box.run(['doctor', '--json'], { env: { SHELL: '/bin/bash', ...env } });
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
  return { code: result.code, report, check: (name: string) => report.checks.find((check) => check.name === name)! };
}

describe('jit doctor', () => {
  it('passes every check on a fresh set-up, advises on the shell, and leaves the keychain as it was', async () => {
    box = sandboxes.box();
    const { code, report, check } = await doctor();
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(['keychain', 'state dir', 'config dir', 'config', 'policy', 'backend', 'audit', 'standing', 'clock', 'keychain cleanup', 'prompt', 'completion']);
    expect(check('keychain')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^Secret Service, from auto: the session D-Bus offers a Secret Service; reachable and unlocked/) });
    expect(check('prompt')).toMatchObject({ status: 'warn', fix: expect.stringContaining('jit prompt bash') });
    expect(check('completion')).toMatchObject({ status: 'warn', fix: expect.stringContaining('jit completion bash') });
    expect(await sandboxes.keyring().jitAccounts()).toEqual([]);
  });

  it('sees the prompt and completions set up in ~/.bashrc', async () => {
    box = sandboxes.box();
    writeFileSync(join(box.home, '.bashrc'), 'eval "$(jit prompt bash)"\neval "$(jit completion bash)"\n');
    const { check } = await doctor();
    expect(check('prompt').status).toBe('ok');
    expect(check('completion').status).toBe('ok');
  });

  it('fails a state dir others can read, with the chmod that fixes it (exit 1)', async () => {
    box = sandboxes.box();
    await box.run(['status']);
    chmodSync(box.stateDir, 0o755);
    // Checked before anything else opens the dir (opening it would tighten the mode again).
    const { code, check } = await doctor();
    expect(code).toBe(1);
    expect(check('state dir')).toEqual({ name: 'state dir', status: 'fail', detail: `${box.stateDir} is mode 755`, fix: `chmod 700 ${box.stateDir}` });
  });

  it('fails a broken policy with its file and line (exit 1)', async () => {
    box = sandboxes.box();
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(box.configDir, 'policy.yaml'), 'roles:\n  demo:\n    ttl: { default: 15m, max: forever }\n', { mode: 0o600 });
    const { code, check } = await doctor();
    expect(code).toBe(1);
    expect(check('policy').status).toBe('fail');
    expect(check('policy').detail).toMatch(/policy\.yaml:3:/);
    expect(check('backend').status).toBe('fail');
  });

  it('fails an unreachable keychain with advice (exit 1)', async () => {
    box = sandboxes.box();
    // Pinned: auto would fall back to the kernel keyring (test/e2e/keyutils.test.ts covers that).
    mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(box.configDir, 'config.yaml'), 'keychain: secret-service\n', { mode: 0o600 });
    const { code, check } = await doctor({ DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(box.home, 'no-bus')}` });
    expect(code).toBe(1);
    expect(check('keychain').status).toBe('fail');
    expect(check('keychain').detail).toMatch(/^Secret Service, from keychain: secret-service in config\.yaml: the OS keychain is not available/);
    expect(check('keychain').fix).toContain('DBUS_SESSION_BUS_ADDRESS');
  });

  it('prints each check with its fix for a person', async () => {
    box = sandboxes.box();
    const result = await box.run(['doctor'], { env: { SHELL: '/bin/bash' } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok {2}\s*keychain\s+Secret Service, from auto: the session D-Bus offers a Secret Service; reachable and unlocked/m);
    expect(result.stdout).toMatch(/^warn\s+prompt\s+bash: the prompt segment is not set up\n\s+→ echo 'eval "\$\(jit prompt bash\)"' >> ~\/\.bashrc/m);
  });
});

describe('jit doctor and the ticket systems', () => {
  it('reaches each system the policy names with its credentials, asks about what the roles need, and names what is wrong', async () => {
    const [jira, github, gitlab, servicenow, pagerduty] = await Promise.all([startJira(), startGithub(), startGitlab(), startServicenow(), startPagerduty()]);
    try {
      box = sandboxes.box();
      mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
      const role = (name: string, ticket: string) => `  ${name}:\n    ttl: { default: 10m, max: 1h }\n    requesters: ['*']\n    ticket: ${ticket}\n    issuer: { type: jwt }\n`;
      writeFileSync(
        join(box.configDir, 'policy.yaml'),
        'roles:\n' +
          role('prod-db', `{ system: jira, site: '${jira.site}', credentials: env:JIRA, projects: [OPS] }`) +
          role('prod-db-ro', `{ system: jira, site: '${jira.site}', credentials: env:JIRA, projects: [OPS] }`) +
          role('deploy', `{ system: github, api: '${github.api}', credentials: env:GITHUB, repositories: [acme/orders] }`) +
          role('release', `{ system: gitlab, site: '${gitlab.site}', credentials: env:GITLAB, projects: [acme/orders] }`) +
          role('change', `{ system: servicenow, instance: '${servicenow.instance}', credentials: env:SERVICENOW, tables: [change_request] }`) +
          role('on-call', `{ system: pagerduty, api: '${pagerduty.api}', credentials: env:PAGERDUTY, services: [PSVC001] }`) +
          role('demo', `{ system: offline }`),
        { mode: 0o600 },
      );
      const credentials = { JIRA: jira.credentials, GITHUB: github.token, GITLAB: gitlab.token, SERVICENOW: servicenow.credentials, PAGERDUTY: pagerduty.key };
      const healthy = await doctor(credentials);
      expect(healthy.code).toBe(0);
      expect(healthy.report.checks.filter((c) => c.name.startsWith('ticket ')).map((c) => [c.name, c.status, c.detail.replace(/127\.0\.0\.1:\d+/, 'HOST')])).toEqual([
        ['ticket jira', 'ok', "Jira at http://HOST: jit's credentials read OPS (for prod-db, prod-db-ro)"],
        ['ticket github', 'ok', "GitHub at http://HOST: jit's credentials read acme/orders (for deploy)"],
        ['ticket gitlab', 'ok', "GitLab at http://HOST: jit's credentials read acme/orders (for release)"],
        ['ticket servicenow', 'ok', "ServiceNow at http://HOST: jit's credentials read change_request (for change)"],
        ['ticket pagerduty', 'ok', "PagerDuty at http://HOST: jit's credentials read services/PSVC001 (for on-call)"],
      ]);
      // Never a ticket: only the projects, repositories, tables and services.
      for (const double of [jira, github, gitlab, servicenow, pagerduty]) expect(double.unexpected).toEqual([]);
      expect([...jira.requests, ...github.requests]).toEqual(['GET /rest/api/3/project/OPS', 'GET /repos/acme/orders']);

      jira.projects.delete('OPS');
      const broken = await doctor({ ...credentials, GITHUB: 'ghp_not-the-token', SERVICENOW: 'two words' });
      expect(broken.code).toBe(1);
      expect(broken.check('ticket jira')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/has no OPS, or jit's account may not see it/), fix: "check the policy's OPS and env:JIRA's access to it" });
      expect(broken.check('ticket github')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/refused jit's credentials \(401\)/), fix: 'check env:GITHUB' });
      expect(broken.check('ticket servicenow')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^the ServiceNow credentials in env:SERVICENOW are not a token/) });
      expect(JSON.stringify(broken.report)).not.toContain('ghp_not-the-token');
    } finally {
      await Promise.all([jira.close(), github.close(), gitlab.close(), servicenow.close(), pagerduty.close()]);
    }
  });
});
