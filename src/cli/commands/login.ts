// `jit login`: the authorization code flow with PKCE on a loopback redirect (RFC 8252) at a desktop, or
// the device flow (RFC 8628) elsewhere, with the provider the broker names; tokens into the keychain either way.
import { JitError, displayValue } from '../../core/errors.js';
import { isLoopbackHost } from '../../core/loopback.js';
import { loginWithBrowser } from '../../login/browser-login.js';
import { discover, finishDeviceLogin, startDeviceLogin, type LoginSettings, type ProviderEndpoints, type TokenSet } from '../../login/provider.js';
import { browserCommand, openBrowser } from '../../platform/browser.js';
import type { Context } from '../context.js';
import { teamBroker } from '../team-broker.js';
import type { LoginOptions } from './define/login.js';

/** The broker's /v1/login answer, checked before anything is sent where it says. */
function checkedSettings(value: unknown, broker: string): LoginSettings {
  const settings = value as Partial<LoginSettings> | undefined;
  const issuer = typeof settings?.issuer === 'string' && URL.canParse(settings.issuer) ? new URL(settings.issuer) : undefined;
  const usable = issuer && (issuer.protocol === 'https:' || (issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname)));
  if (!usable || typeof settings?.clientId !== 'string' || typeof settings.audience !== 'string' || typeof settings.scopes !== 'string') {
    throw new JitError('unavailable', `the broker at ${broker} publishes login settings jit cannot use (issuer ${displayValue(String(settings?.issuer))})`, { hint: 'ask whoever runs it to check oidc in its broker.yaml' });
  }
  return { issuer: settings.issuer!, clientId: settings.clientId, audience: settings.audience, scopes: settings.scopes };
}

async function withDeviceCode(broker: string, settings: LoginSettings, endpoints: ProviderEndpoints, context: Context): Promise<TokenSet> {
  const code = await startDeviceLogin(settings, endpoints);
  context.stderr.write(`To log in to ${broker}, open ${code.verificationUri} and enter the code ${code.userCode}\n`);
  if (code.verificationUriComplete) context.stderr.write(`  (or open ${code.verificationUriComplete})\n`);
  context.stderr.write('Waiting for you to confirm it…\n');
  return finishDeviceLogin(settings, endpoints, code);
}

async function withBrowser(broker: string, settings: LoginSettings, endpoints: ProviderEndpoints, context: Context): Promise<TokenSet> {
  // Ctrl-C ends the wait as a cancellation (exit 130), and the loopback listener closes with it.
  const interrupted = new AbortController();
  const interrupt = () => interrupted.abort();
  process.once('SIGINT', interrupt);
  try {
    return await loginWithBrowser(settings, endpoints, {
      signal: interrupted.signal,
      show: (address) => {
        context.stderr.write(`To log in to ${broker}, open this address in a browser on this machine:\n  ${address}\n`);
        // A browser is opened only for a person at a terminal, and only with a program that is there to do it.
        const opener = context.stdout.isTTY ? browserCommand(context.env) : undefined;
        if (opener) openBrowser(opener, address);
        context.stderr.write('Waiting for the browser to come back (Ctrl-C to give up)…\n');
      },
    });
  } finally {
    process.off('SIGINT', interrupt);
  }
}

/**
 * The flow: as asked, else the browser for a person at a desktop of this machine, and the device flow
 * where a browser here could not come back to jit (an SSH session, a server without a display).
 */
function useBrowser(options: LoginOptions, context: Context): boolean {
  if (options.browser && options.device) throw new JitError('usage', '--browser and --device are two ways to log in: pass one', { hint: 'jit login --device over SSH; jit login --browser at a desktop' });
  if (options.browser || options.device) return options.browser === true;
  const { env } = context;
  const overSsh = env.SSH_CONNECTION !== undefined || env.SSH_TTY !== undefined;
  const desktop = process.platform === 'darwin' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  return Boolean(context.stdout.isTTY) && desktop && !overSsh;
}

export default async function login(options: LoginOptions, context: Context): Promise<number> {
  const { url, logins, workload, connect } = await teamBroker(context, 'login');
  if (workload) {
    throw new JitError('usage', `jit login is for people, and this environment names a CI job's identity token (${workload.from})`, {
      hint: 'in CI, run jit exec directly: the job proves itself on every call; at a desk, unset JIT_IDENTITY, JIT_IDENTITY_TOKEN and JIT_IDENTITY_TOKEN_FILE',
    });
  }
  const client = connect();
  const settings = checkedSettings(await client.call('GET', '/v1/login', { idempotent: true, authenticated: false }), url);
  try {
    const endpoints = await discover(settings.issuer);
    const tokens = useBrowser(options, context) ? await withBrowser(url, settings, endpoints, context) : await withDeviceCode(url, settings, endpoints, context);
    // The same keychain entry whichever flow gave the tokens: refresh and logout do not care.
    await logins.save({ broker: url, settings, tokens });
    // Proven by the broker itself, not read from the token: the login works for what it is for.
    const me = await client.call<{ name: string; groups: string[] }>('GET', '/v1/whoami', { idempotent: true });
    context.stdout.write(`Logged in to ${url} as ${me.name}${me.groups.length ? ` (groups: ${me.groups.join(', ')})` : ''}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
