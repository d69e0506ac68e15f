// `jit login`: the device flow (RFC 8628) with the provider the broker names, tokens into the keychain.
import { JitError, displayValue } from '../../core/errors.js';
import { isLoopbackHost } from '../../core/loopback.js';
import { discover, finishDeviceLogin, startDeviceLogin, type LoginSettings } from '../../login/provider.js';
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

export default async function login(_options: LoginOptions, context: Context): Promise<number> {
  const { url, logins, connect } = await teamBroker(context, 'login');
  const client = connect();
  const settings = checkedSettings(await client.call('GET', '/v1/login', { idempotent: true, authenticated: false }), url);
  try {
    const endpoints = await discover(settings.issuer);
    const code = await startDeviceLogin(settings, endpoints);
    context.stderr.write(`To log in to ${url}, open ${code.verificationUri} and enter the code ${code.userCode}\n`);
    if (code.verificationUriComplete) context.stderr.write(`  (or open ${code.verificationUriComplete})\n`);
    context.stderr.write('Waiting for you to confirm it…\n');
    const tokens = await finishDeviceLogin(settings, endpoints, code);
    await logins.save({ broker: url, settings, tokens });
    // Proven by the broker itself, not read from the token: the login works for what it is for.
    const me = await client.call<{ name: string; groups: string[] }>('GET', '/v1/whoami', { idempotent: true });
    context.stdout.write(`Logged in to ${url} as ${me.name}${me.groups.length ? ` (groups: ${me.groups.join(', ')})` : ''}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
