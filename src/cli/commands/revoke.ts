// `jit revoke`: end a grant now; it is revoked at the target and removed from the keychain.
import { ExitCode, JitError } from '../../core/errors.js';
import { validateGrantId } from '../../core/identifiers.js';
import { currentSession } from '../../core/session-env.js';
import type { Context } from '../context.js';
import type { RevokeOptions } from './define/revoke.js';
import { grantView } from '../grant-view.js';
import { canPrompt } from '../../platform/prompter.js';
import { printJson, warn } from '../render.js';
import { endGrant } from '../../session/end-grant.js';

/** The flags, and the grant id when one was given. */
type RevokeCall = RevokeOptions & { args: string[] };

async function targets(options: RevokeCall, context: Context): Promise<string[]> {
  const [id] = options.args;
  if (options.all && id !== undefined) throw new JitError('usage', 'pass a grant id or --all, not both');
  if (options.all) return (await (await context.backend()).grants({ live: true })).map((grant) => grant.id);
  if (id !== undefined) {
    const grant = await (await context.backend()).grant(validateGrantId(id));
    if (!grant) throw new JitError('usage', `there is no grant ${id}`, { hint: '`jit status` lists your grants' });
    return [grant.id];
  }
  const session = currentSession(context.env);
  if (!session) throw new JitError('usage', 'not in a jit session, so there is nothing to revoke by default', { hint: 'pass a grant id from `jit status`, or --all' });
  return [validateGrantId(session.grantId)];
}

/** `--all` ends every session you have: on a terminal, a person confirms it first (unless --yes). */
async function confirmed(ids: string[], options: RevokeCall, context: Context): Promise<boolean> {
  if (!options.all || options.yes || ids.length === 0 || !canPrompt(context, options.input)) return true;
  return context.prompter().confirm(`Revoke ${ids.length} live grant${ids.length > 1 ? 's' : ''} (${ids.join(', ')})? Their sessions end now.`);
}

export default async function revoke(options: RevokeCall, context: Context): Promise<number> {
  const ids = await targets(options, context);
  if (!(await confirmed(ids, options, context))) {
    context.stderr.write('Nothing revoked.\n');
    return ExitCode.ok;
  }
  const deps = { backend: await context.backend(), credentials: context.credentials() };
  const ended = [];
  let unverified = 0;
  for (const id of ids) {
    const { grant, problems, notRevoked } = await endGrant(id, 'operator', deps);
    for (const problem of problems) warn(context, problem);
    if (notRevoked || grant?.revocation !== 'verified') unverified++;
    if (grant) ended.push(grantView(grant, Date.now()));
  }
  if (options.json) printJson(context, { revoked: ended });
  else if (ended.length === 0) context.stdout.write('No live grants to revoke.\n');
  else for (const grant of ended) context.stdout.write(`${grant.id} ${grant.role} (${grant.ticket}): ${grant.state}, revocation ${grant.revocation ?? 'n/a'}\n`);
  return unverified ? ExitCode.unavailable : ExitCode.ok;
}
