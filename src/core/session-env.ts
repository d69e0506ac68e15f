// The environment contract of a jit session (DESIGN.md, "Injected environment").
import { JitError, displayValue } from './errors.js';
import { isGrantId } from './identifiers.js';

export interface SessionInfo {
  grantId: string;
  role: string;
  ticket: string;
  expiresAtSeconds: number; // Unix seconds, as in JIT_EXPIRES_AT
  backend: string;
  breakGlass: boolean;
  /** Where a renewal writes the session's new end, for the shell's prompt hook (JIT_EXPIRES_FILE). */
  endFile?: string;
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
 * Builds the child's environment: the inherited one with every JIT_* variable, every name the issuer
 * sets and every `withheld` name (the embedded broker's own secrets) removed, then the session markers
 * and the credential added.
 */
export function buildSessionEnv(inherited: Environment, session: SessionInfo, credential: Record<string, string>, withheld: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    // SECURITY: a stale JIT_TOKEN or PGPASSWORD from an outer environment must never leak into the session,
    // nor the admin connection an embedded issuer reads from this process's environment.
    if (value === undefined || name.startsWith('JIT_') || name in credential || withheld.includes(name)) continue;
    env[name] = value;
  }
  env.JIT_SESSION = session.grantId;
  env.JIT_ROLE = session.role;
  env.JIT_TICKET = session.ticket;
  env.JIT_EXPIRES_AT = String(session.expiresAtSeconds);
  env.JIT_BACKEND = session.backend;
  if (session.breakGlass) env.JIT_BREAKGLASS = '1';
  if (session.endFile !== undefined) env.JIT_EXPIRES_FILE = session.endFile;
  for (const [name, value] of Object.entries(credential)) env[validateCredentialName(name)] = value;
  return env;
}

/** Unix seconds as jit writes them: 1 to 12 digits, no sign, no leading zero (so no `1e30`, `0x10` or ``). */
const expiresAtPattern = /^[1-9][0-9]{0,11}$/;

/**
 * The session this process runs inside, if any, read from the environment alone. Anything can set
 * these variables, so what comes back is safe to print: a malformed session is no session, and the
 * role and ticket keep only the characters the shell prompt segments keep (completions/prompt.*).
 */
export function currentSession(env: Environment): { grantId: string; role: string; ticket: string; expiresAt: number } | undefined {
  const grantId = env.JIT_SESSION ?? '';
  const expiresAt = env.JIT_EXPIRES_AT ?? '';
  if (!isGrantId(grantId) || !expiresAtPattern.test(expiresAt)) return undefined;
  // SECURITY: a forged JIT_ROLE or JIT_TICKET must not reach the terminal with escapes or bidi controls.
  // Per code point (flag u), as the shells count characters.
  const role = (env.JIT_ROLE ?? '').replace(/[^a-zA-Z0-9_.-]/gu, '?');
  const ticket = (env.JIT_TICKET ?? '').replace(/[^!-~]/gu, '?');
  return { grantId, role, ticket, expiresAt: Number(expiresAt) };
}
