// What a prompt shows: the role and the time left, from the environment and a clock alone.
import { formatTimeLeft } from './duration.js';
import { currentSession, type Environment } from './session-env.js';

export function promptSegment(env: Environment, nowSeconds: number): string {
  const session = currentSession(env);
  return session ? `${session.role} ${formatTimeLeft(session.expiresAt - nowSeconds)}` : '';
}
