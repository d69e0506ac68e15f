// `jit secret remove NAME`: the issuer secret leaves the keychain.
import { issuerSecretAccount } from '../../broker/issuers/secret-reference.js';
import type { Context } from '../context.js';
import type { SecretRemoveOptions } from './define/secret.js';
import { secretName } from './secret-set.js';

export default async function secretRemove(options: SecretRemoveOptions & { args: string[] }, context: Context): Promise<number> {
  const name = secretName(options.args[0]);
  const removed = await context.secrets().delete(issuerSecretAccount(name));
  context.stdout.write(removed ? `Removed the secret ${name} from the keychain\n` : `There was no secret ${name} in the keychain\n`);
  return 0;
}
