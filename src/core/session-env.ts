// The environment contract of a jit session (DESIGN.md, "Injected environment").
import { JitError, displayValue } from './errors.js';

export interface SessionInfo {
  grantId: string;
  role: string;
  ticket: string;
  expiresAt: number; // Unix seconds
  backend: string;
  breakGlass: boolean;
}

export type Environment = Record<string, string | undefined>;

/** Names an issuer may never set: they would change what runs, not what it may access. */
const forbiddenNames = new Set([
  'PATH', 'HOME', 'SHELL', 'USER', 'LOGNAME', 'IFS', 'ENV', 'BASH_ENV', 'ZDOTDIR', 'PROMPT_COMMAND', 'PS1', 'PS4',
  'NODE_OPTIONS', 'PYTHONPATH', 'PERL5LIB', 'RUBYOPT', 'TMPDIR',
]);

/** Checks a credential variable name an issuer returned. */
export function validateCredentialName(name: string): string {
  // SECURITY: issuers supply credentials, never loader or shell behaviour.
  if (!/^[A-Z_][A-Z0-9_]{0,63}$/.test(name) || forbiddenNames.has(name) || /^(LD_|DYLD_)/.test(name) || (name.startsWith('JIT_') && name !== 'JIT_TOKEN')) {
    throw new JitError('internal', `issuer returned a variable jit will not inject: ${displayValue(name)}`, {
      hint: 'an issuer may set credential variables such as JIT_TOKEN or PGPASSWORD, not JIT_*, PATH, LD_* or shell settings',
    });
  }
  return name;
}

/**
 * Builds the child's environment: the inherited one with every JIT_* variable and every
 * name the issuer sets removed, then the session markers and the credential added.
 */
export function buildSessionEnv(inherited: Environment, session: SessionInfo, credential: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    // SECURITY: a stale JIT_TOKEN or PGPASSWORD from an outer environment must never leak into the session.
    if (value === undefined || name.startsWith('JIT_') || name in credential) continue;
    env[name] = value;
  }
  env.JIT_SESSION = session.grantId;
  env.JIT_ROLE = session.role;
  env.JIT_TICKET = session.ticket;
  env.JIT_EXPIRES_AT = String(session.expiresAt);
  env.JIT_BACKEND = session.backend;
  if (session.breakGlass) env.JIT_BREAKGLASS = '1';
  for (const [name, value] of Object.entries(credential)) env[validateCredentialName(name)] = value;
  return env;
}

/** The session this process runs inside, if any, read from the environment alone. */
export function currentSession(env: Environment): { grantId: string; role: string; ticket: string; expiresAt: number } | undefined {
  const grantId = env.JIT_SESSION;
  const expiresAt = Number(env.JIT_EXPIRES_AT);
  if (!grantId || !Number.isFinite(expiresAt)) return undefined;
  return { grantId, role: env.JIT_ROLE ?? '', ticket: env.JIT_TICKET ?? '', expiresAt };
}
