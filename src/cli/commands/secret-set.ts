// `jit secret set NAME`. SECURITY: the value comes from stdin or a prompt that does not echo, never
// from argv (which other users can read), and is never printed.
import { issuerSecretAccount, SECRET_NAME } from '../../broker/issuers/secret-reference.js';
import { JitError, displayValue } from '../../core/errors.js';
import { canPrompt } from '../../platform/prompter.js';
import type { Context } from '../context.js';
import type { SecretSetOptions } from './define/secret.js';

/** Far above a connection string or an SSH key; more on stdin is a mistake (the wrong file). */
const MAX_SECRET_BYTES = 64 * 1024;

export function secretName(name: string | undefined): string {
  if (name === undefined || !SECRET_NAME.test(name)) {
    throw new JitError('usage', `${displayValue(name ?? '')} is not a secret name`, { hint: 'use letters, digits, ., _ and - (at most 64), as keychain:NAME in the policy' });
  }
  return name;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_SECRET_BYTES) throw new JitError('usage', `the value on stdin is longer than ${MAX_SECRET_BYTES / 1024} KiB`, { hint: 'check what you piped in' });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export default async function secretSet(options: SecretSetOptions & { args: string[] }, context: Context): Promise<number> {
  const name = secretName(options.args[0]);
  let value: string;
  if (!context.stdin.isTTY) value = (await readStdin()).replace(/\r?\n$/, '');
  else if (canPrompt(context, undefined)) value = await context.prompter().password(`Value of ${name}`);
  else throw new JitError('usage', 'no value: stdin is a terminal and no question may be asked here', { hint: `pipe it in: printf %s "$VALUE" | jit secret set ${name}` });
  if (!value) throw new JitError('usage', `no value for ${name}`, { hint: `pipe it in, e.g. printf %s "$VALUE" | jit secret set ${name}` });
  await context.secrets().set(issuerSecretAccount(name), value);
  context.stdout.write(`Stored the secret ${name} in the keychain; name it in the policy as keychain:${name}\n`);
  return 0;
}
