// `jit whoami`: the name and groups the team broker takes you for.
import type { Context } from '../context.js';
import { teamBroker } from '../team-broker.js';
import type { WhoamiOptions } from './define/login.js';

export default async function whoami(options: WhoamiOptions, context: Context): Promise<number> {
  const { url, connect } = await teamBroker(context, 'whoami');
  const client = connect();
  try {
    const me = await client.call<{ name: string; groups: string[] }>('GET', '/v1/whoami', { idempotent: true });
    if (options.json) context.stdout.write(`${JSON.stringify({ broker: url, name: me.name, groups: me.groups })}\n`);
    else context.stdout.write(`${me.name} at ${url}${me.groups.length ? ` (groups: ${me.groups.join(', ')})` : ''}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
