// `jit logout`: the refresh token revoked at the provider where it offers that, the login removed from the keychain.
import { discover, revokeRefreshToken } from '../../login/provider.js';
import type { Context } from '../context.js';
import { warn } from '../render.js';
import { teamBroker } from '../team-broker.js';
import type { LogoutOptions } from './define/login.js';

export default async function logout(_options: LogoutOptions, context: Context): Promise<number> {
  const { url, logins } = await teamBroker(context, 'logout');
  const login = await logins.load(url);
  if (!login) {
    context.stdout.write(`Not logged in to ${url}\n`);
    return 0;
  }
  // Removed first: whatever the provider says, this machine no longer holds the login.
  await logins.remove();
  const revoked = await discover(login.settings.issuer)
    .then((endpoints) => revokeRefreshToken(login.settings, endpoints, login.tokens))
    .catch(() => false);
  if (!revoked) warn(context, 'the provider did not confirm that it revoked the refresh token; it lapses on its own');
  context.stdout.write(`Logged out of ${url}\n`);
  return 0;
}
