// Typed errors with a stable code; the exit code is decided here and nowhere else.

/** sysexits-style exit codes from DESIGN.md; a tested contract. */
export const ExitCode = {
  ok: 0,
  usage: 64,
  ticketRejected: 65,
  unavailable: 69,
  internal: 70,
  os: 71,
  temporary: 75,
  denied: 77,
  config: 78,
  /** `exec`/`elevate`: the program exists but cannot be executed, as shells report it. */
  cannotExecute: 126,
  /** `exec`/`elevate`: no such program, as shells report it. */
  notFound: 127,
  /** A person pressed Ctrl-C at a question: 128 + SIGINT, as shells report it. */
  cancelled: 130,
} as const;

export type ErrorCode =
  | 'usage'
  | 'ticket_rejected'
  | 'unavailable'
  | 'internal'
  | 'keychain'
  | 'os'
  | 'pending'
  | 'session_ended'
  | 'denied'
  | 'config'
  | 'cannot_execute'
  | 'not_found'
  | 'cancelled';

const exitCodeOf: Record<ErrorCode, number> = {
  usage: ExitCode.usage,
  ticket_rejected: ExitCode.ticketRejected,
  unavailable: ExitCode.unavailable,
  internal: ExitCode.internal,
  keychain: ExitCode.os,
  os: ExitCode.os,
  pending: ExitCode.temporary,
  session_ended: ExitCode.temporary,
  denied: ExitCode.denied,
  config: ExitCode.config,
  cannot_execute: ExitCode.cannotExecute,
  not_found: ExitCode.notFound,
  cancelled: ExitCode.cancelled,
};

export interface JitErrorOptions {
  /** What the user can do next; printed under the message. */
  hint?: string;
  cause?: unknown;
}

/** An error the user can act on. Its message never contains a credential. */
export class JitError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: JitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JitError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return exitCodeOf[this.code];
  }
}

export function isJitError(error: unknown): error is JitError {
  return error instanceof JitError;
}

/**
 * Shows an untrusted value in a message: quoted, control characters escaped, and cut short,
 * so a 10 kB or multi-line argument cannot flood or forge the terminal.
 */
export function displayValue(value: string, max = 40): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Checks that answer "no" (`audit verify` found tampering, `audit standing` found access) exit 1, as `test` and `grep` do. */
export const CHECK_FAILED = 1;
