// `jit login --browser` with the built binary, a served broker and a real OpenID provider: the
// authorization code flow with PKCE, redirected to a listener on 127.0.0.1 (RFC 8252). The test plays
// the browser: it opens the address jit prints, goes through the provider's login and consent, and
// lands on jit's callback; or it knocks on the callback first with what a forger could send.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, JIT_BIN, type RunResult } from '../support/jit.js';
import { useKeyringSandboxes } from '../support/keyring-sandboxes.js';
import { CLI_CLIENT_ID, CLI_SCOPES, type OidcProvider } from '../support/oidc.js';
import { openTerminal } from '../support/pty.js';
import { startTeamBroker, TEAM_AUDIENCE, type ServedBroker, type TeamBroker } from '../support/served.js';
import { until } from '../support/waits.js';

const POLICY = `roles:
  demo:
    ttl: { default: 5m, max: 1h }
    requesters: [group:sre]
    issuer: { type: jwt }
`;

const sandboxes = useKeyringSandboxes();
let team: TeamBroker;
let provider: OidcProvider;
let broker: ServedBroker;

beforeAll(async () => {
  // A working `whoami` after the login proves the browser flow brought a refresh token too (startTeamBroker).
  team = await startTeamBroker(POLICY, { alice: ['sre'] });
  ({ provider, broker } = team);
});
afterAll(() => team?.stop());

/**
 * A workstation whose jit talks to the served broker, and is not logged in: the file's tests share one
 * Secret Service, so a login an earlier test left there is removed first.
 */
async function workstation() {
  const box = sandboxes.box();
  mkdirSync(box.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(box.configDir, 'config.yaml'), `backend: http\nbroker: ${broker.url}\n`, { mode: 0o600 });
  expect((await box.run(['logout'])).code).toBe(0);
  expect((await box.run(['whoami'])).code).toBe(77);
  return box;
}

interface Waiting {
  child: ChildProcess;
  done: Promise<RunResult>;
  /** The authorization URL jit printed. */
  address: URL;
  /** Its redirect_uri: jit's loopback callback. */
  callback: URL;
}

/** `jit login --browser`, up to the address it prints for the browser. */
async function startBrowserLogin(box: Awaited<ReturnType<typeof workstation>>, env: Record<string, string> = {}): Promise<Waiting> {
  const child = box.spawn(['login', '--browser'], { env });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = collect(child, 30_000);
  const printed = await until('jit login --browser to print the address', () => /open this address in a browser on this machine:\n {2}(\S+)\n/.exec(stderr)?.[1], 10_000);
  const address = new URL(printed);
  return { child, done, address, callback: new URL(address.searchParams.get('redirect_uri')!) };
}

/** Whether anything still listens where jit's callback was. */
async function listening(callback: URL): Promise<boolean> {
  return fetch(callback, { signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false,
  );
}

/** A $BROWSER that writes down the address it was asked to open, and opens nothing. */
function fakeBrowser(box: Awaited<ReturnType<typeof workstation>>): { program: string; opened: string } {
  const program = join(box.home, 'browser');
  const opened = join(box.home, 'opened');
  writeFileSync(program, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o700 });
  return { program, opened };
}

/** The one error shape, as the last lines of stderr: `jit: what failed`, then `→ what to do`. */
function lastError(stderr: string): string {
  return stderr.slice(stderr.lastIndexOf('jit: '));
}

describe('jit login --browser', () => {
  it('sends the browser to the provider with PKCE S256 and a loopback redirect, logs in when it comes back, and closes the listener', async () => {
    const box = await workstation();
    const browser = fakeBrowser(box);
    const { done, address, callback } = await startBrowserLogin(box, { BROWSER: browser.program });
    expect(address.origin).toBe(provider.issuer);
    const params = Object.fromEntries(address.searchParams);
    expect(params).toMatchObject({ response_type: 'code', client_id: CLI_CLIENT_ID, scope: CLI_SCOPES, resource: TEAM_AUDIENCE, code_challenge_method: 'S256', prompt: 'consent' });
    // RFC 7636: a SHA-256 challenge (43 base64url characters); the verifier itself never travels with the browser.
    expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params).not.toHaveProperty('code_verifier');
    // RFC 8252 §7.3: the IP literal, a port chosen at run time, never 0.0.0.0 or a name.
    expect(callback.toString()).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*\/callback$/);

    const landed = await provider.browse(address.toString(), 'alice');
    expect(landed.status).toBe(200);
    expect(landed.url.startsWith(`${callback.toString()}?`)).toBe(true);
    const login = await done;
    expect(login).toMatchObject({ code: 0, stdout: `Logged in to ${broker.url} as alice (groups: sre)\n` });
    expect(await listening(callback)).toBe(false);
    expect(await box.run(['whoami', '--json'])).toMatchObject({ code: 0, stdout: `${JSON.stringify({ broker: broker.url, name: 'alice', groups: ['sre'] })}\n` });
    // SECURITY: no token in any file of the workstation's state: the keychain holds them, as for the device flow.
    const found = execFileSync('sh', ['-c', `grep -rl "eyJ" ${box.home} || true`], { encoding: 'utf8' });
    expect(found).toBe('');
    // Off a terminal nobody is there to look at a browser: the address is printed, never opened.
    expect(existsSync(browser.opened)).toBe(false);
  });

  it('at a terminal, opens the address with $BROWSER, and that browser finishes the login', async () => {
    const box = await workstation();
    const browser = fakeBrowser(box);
    const terminal = openTerminal([JIT_BIN, 'login', '--browser'], { ...box.env, BROWSER: browser.program });
    await terminal.waitFor(/Waiting for the browser to come back/);
    const opened = await until('$BROWSER to be started with the address', () => existsSync(browser.opened) && readFileSync(browser.opened, 'utf8'), 10_000);
    expect(terminal.screen().replace(/\r/g, '')).toContain(`open this address in a browser on this machine:\n  ${opened}\n`);
    expect((await provider.browse(opened, 'alice')).status).toBe(200);
    expect(await terminal.exited).toBe(0);
    expect(terminal.screen()).toContain(`Logged in to ${broker.url} as alice (groups: sre)`);
  });

  it('refuses a callback without this login\'s state, an error with the wrong state and another path, and keeps waiting for the real answer', async () => {
    const box = await workstation();
    const { child, done, address, callback } = await startBrowserLogin(box);
    const knock = async (path: string) => {
      const response = await fetch(new URL(path, callback), { redirect: 'manual' });
      return { status: response.status, page: await response.text() };
    };
    const forged = await knock('/callback?code=forged&state=not-this-logins-state');
    expect(forged.status).toBe(400);
    expect(forged.page).toContain('Not the login jit is waiting for');
    expect((await knock('/callback?code=forged')).status).toBe(400);
    // A refusal anyone could send would end anyone's login: without the state it does not.
    expect((await knock('/callback?error=access_denied&state=not-this-logins-state')).status).toBe(400);
    expect((await knock(`/elsewhere?code=forged&state=${address.searchParams.get('state')}`)).status).toBe(404);
    expect(child.exitCode).toBeNull();
    expect(await listening(callback)).toBe(true);

    expect((await provider.browse(address.toString(), 'alice')).status).toBe(200);
    expect(await done).toMatchObject({ code: 0, stdout: `Logged in to ${broker.url} as alice (groups: sre)\n` });
  });

  it('a login refused in the browser is exit 77 with the provider\'s reason in the one error shape, and nothing is stored', async () => {
    const box = await workstation();
    const { done, address, callback } = await startBrowserLogin(box);
    const landed = await provider.browse(address.toString(), 'alice', { refuse: true });
    expect(landed.status).toBe(400);
    expect(landed.url.startsWith(`${callback.toString()}?`)).toBe(true);
    expect(new URL(landed.url).searchParams.get('error')).toBe('access_denied');
    const result = await done;
    expect(result.code).toBe(77);
    expect(result.stdout).toBe('');
    expect(lastError(result.stderr)).toBe('jit: the login was refused in the browser: "End-User refused the login"\n  → run `jit login --browser` again and allow jit access\n');
    expect(await listening(callback)).toBe(false);
    expect((await box.run(['whoami'])).code).toBe(77);
  });

  it('Ctrl-C while waiting for the browser is exit 130 and closes the listener', async () => {
    const box = await workstation();
    const { child, done, callback } = await startBrowserLogin(box);
    child.kill('SIGINT');
    const result = await done;
    expect(result).toMatchObject({ code: 130, signal: null, stdout: '' });
    expect(lastError(result.stderr)).toBe('jit: the login was cancelled\n  → run `jit login --browser` again to start over\n');
    expect(await listening(callback)).toBe(false);
  });
});
