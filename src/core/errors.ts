// Typed errors with a stable code; the exit code is decided here and nowhere else.

/** sysexits-style exit codes from DESIGN.md; a tested contract. */
export const ExitCode = {
  ok: 0,
  /** A check that answers "no": `audit verify` found tampering, `audit standing` found access, `doctor` a failure (as `test` and `grep` do). */
  checkFailed: 1,
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
  /** No valid proof of who is calling (a served broker's 401). */
  | 'unauthenticated'
  | 'config'
  | 'cannot_execute'
  | 'not_found'
  | 'cancelled'
  /** Too many requests to a served broker for now (429). */
  | 'rate_limited';

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
  unauthenticated: ExitCode.denied,
  config: ExitCode.config,
  cannot_execute: ExitCode.cannotExecute,
  not_found: ExitCode.notFound,
  cancelled: ExitCode.cancelled,
  rate_limited: ExitCode.temporary,
};

/** Every error code: what a broker's error body may name. */
export const ERROR_CODES = new Set(Object.keys(exitCodeOf) as ErrorCode[]);

export interface JitErrorOptions {
  /** What the user can do next; printed under the message. */
  hint?: string;
  cause?: unknown;
  /** For `pending`: the request that waits, so that its requester can pick the grant up later. */
  requestId?: string;
}

/** An error the user can act on. Its message never contains a credential. */
export class JitError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly requestId: string | undefined;

  constructor(code: ErrorCode, message: string, options: JitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JitError';
    this.code = code;
    this.hint = options.hint;
    this.requestId = options.requestId;
  }

  get exitCode(): number {
    return exitCodeOf[this.code];
  }
}

/**
 * Characters that must never reach a terminal raw: C0 and C1 controls and DEL (escape sequences), line and
 * paragraph separators, and the bidirectional marks, embeddings, overrides and isolates (text that reads
 * differently from what it is).
 */
export const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
const unsafeBeyondJson = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const unsafeOrBackslash = new RegExp(`\\\\|${UNSAFE_TEXT.source}`, 'g');

/**
 * Shows an untrusted value in a message: quoted, control characters escaped, and cut short,
 * so a 10 kB or multi-line argument cannot flood or forge the terminal.
 */
export function displayValue(value: string, max = 40): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut).replace(unsafeBeyondJson, hex);
}

/**
 * Shows an untrusted value whole, as a table cell: no quotes, but every unsafe character written as
 * \uXXXX and a backslash doubled, so an escape on screen always stands for one in the data.
 */
export function displayText(value: string): string {
  return value.replace(unsafeOrBackslash, (c) => (c === '\\' ? '\\\\' : hex(c)));
}

/** Shows untrusted data as one line of JSON, with the characters JSON leaves raw escaped too. */
export function displayJson(value: unknown): string {
  return JSON.stringify(value).replace(unsafeBeyondJson, hex);
}

