// `jit status`: the session this shell is in, and your live grants.
import { formatTimeLeft } from '../../core/duration.js';
import { promptSegment } from '../../core/prompt-segment.js';
import { currentSession } from '../../core/session-env.js';
import type { Context } from '../context.js';
import type { StatusOptions } from './define/status.js';
import { grantView } from '../grant-view.js';
import { colorFor, printJson, table } from '../render.js';

export default async function status(options: StatusOptions, context: Context): Promise<number> {
  const now = Date.now();
  if (options.prompt) {
    const segment = promptSegment(context.env, Math.floor(now / 1000));
    context.stdout.write(segment && `${segment}\n`);
    return 0;
  }
  const session = currentSession(context.env);
  const grants = (await (await context.backend()).grants({ live: true })).map((grant) => grantView(grant, now));
  const pendingKeychainCleanup = context.credentials().orphans().map((session) => session.grantId);
  const sessionView = session && { ...session, secondsLeft: Math.max(0, session.expiresAt - Math.floor(now / 1000)) };
  if (options.json) {
    printJson(context, { session: sessionView ?? null, grants, pendingKeychainCleanup });
    return 0;
  }
  const color = colorFor(context.stdout, context.env);
  context.stdout.write(
    sessionView
      ? `In session ${sessionView.grantId}: ${color.bold(sessionView.role)} for ${sessionView.ticket}, ${formatTimeLeft(sessionView.secondsLeft)} left\n`
      : 'Not in a jit session.\n',
  );
  if (pendingKeychainCleanup.length) {
    context.stdout.write(`${color.yellow('!')} ${pendingKeychainCleanup.length} credential(s) of ended sessions still in the keychain (${pendingKeychainCleanup.join(', ')}): removed by the next jit run that reaches the keychain\n`);
  }
  if (grants.length === 0) {
    context.stdout.write('No live grants.\n');
    return 0;
  }
  const rows = grants.map((g) => [g.id, g.role, g.ticket, formatTimeLeft(g.secondsLeft), `${g.owner.host}:${g.owner.pid}`]);
  context.stdout.write(table([['GRANT', 'ROLE', 'TICKET', 'LEFT', 'OWNER'], ...rows], color));
  return 0;
}
