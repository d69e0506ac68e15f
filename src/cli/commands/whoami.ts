// `jit whoami`: the name and groups the team broker takes you for.
import type { Context } from '../context.js';
import { teamBroker } from '../team-broker.js';
import type { WhoamiOptions } from './define/login.js';

interface Whoami {
  name: string;
  groups: string[];
  workload?: { issuer: string; subject: string; claims: Record<string, string> };
}

export default async function whoami(options: WhoamiOptions, context: Context): Promise<number> {
  const { url, connect } = await teamBroker(context, 'whoami');
  const client = connect();
  try {
    const me = await client.call<Whoami>('GET', '/v1/whoami', { idempotent: true });
    if (options.json) context.stdout.write(`${JSON.stringify({ broker: url, name: me.name, groups: me.groups, ...(me.workload ? { workload: me.workload } : {}) })}\n`);
    else context.stdout.write(`${me.name} at ${url}${me.groups.length ? ` (groups: ${me.groups.join(', ')})` : ''}\n`);
    // A job's owner debugging its policy sees what the broker read from the token, not what it expected.
    if (me.workload && !options.json) context.stdout.write(`token: ${me.workload.issuer}, sub ${me.workload.subject}\n${Object.entries(me.workload.claims).map(([claim, value]) => `  ${claim}: ${value}`).join('\n')}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
