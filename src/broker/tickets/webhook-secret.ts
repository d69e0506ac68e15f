// A webhook's shared secret as jit serve reads it: long enough that guessing it is hopeless (GitLab sends
// it as it is, so it is only as strong as its length), and fit for a header.
import { JitError } from '../../core/errors.js';
import { readSecretReference, type SecretSources } from '../issuers/secret-reference.js';

const MIN_LENGTH = 32;

export async function readWebhookSecret(reference: string, sources: SecretSources): Promise<string> {
  const secret = await readSecretReference(reference, sources);
  if (!new RegExp(`^[\\x21-\\x7e]{${MIN_LENGTH},}$`).test(secret)) {
    throw new JitError('config', `the webhook secret in ${reference} is not ${MIN_LENGTH} or more printable characters without spaces`, { hint: 'make one with `openssl rand -hex 32`, and set it in the system’s webhook too' });
  }
  return secret;
}
