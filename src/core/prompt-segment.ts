// What a prompt shows: the role and the time left (and BREAK-GLASS in such a session), from the
// environment and a clock alone.
import { formatTimeLeft } from './duration.js';
import { currentSession, type Environment } from './session-env.js';

export function promptSegment(env: Environment, nowSeconds: number): string {
  const session = currentSession(env);
  if (!session) return '';
  // A break-glass session says so in every prompt, as the shipped prompt hooks do.
  return `${env.JIT_BREAKGLASS === '1' ? 'BREAK-GLASS ' : ''}${session.role} ${formatTimeLeft(session.expiresAt - nowSeconds)}`;
}
