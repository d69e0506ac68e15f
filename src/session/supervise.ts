// Runs the session's child and stays its parent until it ends: forwards signals, warns before the
// TTL, ends the child at the TTL (moved by a renewal) or when the grant is revoked elsewhere, and
// reports how it ended.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { WAKE_SIGNAL } from '../platform/process-identity.js';
import { withParentDeathSignal } from '../platform/setpriv.js';

export type SessionOutcome =
  | { kind: 'exited'; code: number }
  | { kind: 'signaled'; signal: NodeJS.Signals }
  | { kind: 'expired' }
  | { kind: 'revoked' }
  | { kind: 'not_started'; message: string };

/** What the broker says of a grant at a heartbeat: whether it lives, and its end (ms) where it said. */
export interface GrantLook {
  live: boolean;
  expiresAtMs?: number;
}

export interface SuperviseOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  expiresAtMs: number;
  heartbeatSeconds: number;
  /** Asks the broker whether the grant still lives (and tells it we do), and until when. */
  look: () => Promise<GrantLook>;
  /** The grant's end moved (`jit extend`): supervision now ends the session then; told so the shell learns it too. */
  endMoved?: (expiresAtMs: number) => void;
  /** Starts the child (by calling `start`), e.g. inside a cgroup of the session's own. */
  spawnChild?: (start: () => ChildProcess) => ChildProcess;
  /** A wake-up arrived before supervision began: look at the grant at once. */
  checkAtStart?: boolean;
  warn: (message: string) => void;
  now?: () => number;
  /** Time the child gets after each of SIGHUP and SIGTERM before the next, harder signal. */
  graceMs?: number;
}

/** How long a failed child's end waits for the broker to say whether its grant still lives. */
const FINAL_LOOK_MS = 5000;
/** How often the TTL is checked against the wall clock. */
const EXPIRY_TICK_MS = 1000;
/** Minutes before the end at which the terminal is warned. */
const WARN_AT_MINUTES = [5, 1];
/** How far past a warning mark a session may start and still be warned. */
const LATE_WARNING_MS = 1000;
/** Signals the terminal sends to the whole foreground group: the child decides, jit must not die of them. (SIGTSTP keeps its default so Ctrl-Z stops jit and the child together.) */
const TERMINAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];
/** Signals meant for jit alone: passed on to the child, and the session then ends with it. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGHUP', 'SIGTERM'];

export function exitCodeOfSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

export function supervise(options: SuperviseOptions): Promise<SessionOutcome> {
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 3000;
  // SECURITY: with a parent-death signal the child is hung up even if jit is killed with SIGKILL,
  // so an orphaned shell does not keep running with the credential; the next jit run revokes it at the target.
  const [file, args] = withParentDeathSignal('HUP', options.command, options.args);

  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    /** The end and its warnings: re-armed when a renewal moves the end. */
    let endTimers: NodeJS.Timeout[] = [];
    const listeners: [NodeJS.Signals, () => void][] = [];
    let ending: 'expired' | 'revoked' | undefined;
    let expiresAtMs = options.expiresAtMs;

    const start = () => spawn(file, args, { stdio: 'inherit', env: options.env });
    const child = options.spawnChild ? options.spawnChild(start) : start();

    let finished = false;
    const finish = (outcome: SessionOutcome) => {
      if (finished) return;
      finished = true;
      for (const timer of [...timers, ...endTimers]) clearTimeout(timer);
      for (const [signal, listener] of listeners) process.off(signal, listener);
      resolve(outcome);
    };
    const on = (signal: NodeJS.Signals, listener: () => void) => {
      process.on(signal, listener);
      listeners.push([signal, listener]);
    };

    /** SIGHUP, then SIGTERM, then SIGKILL, each after a grace period, until the child is gone. */
    const end = (why: 'expired' | 'revoked') => {
      if (ending) return;
      ending = why;
      const escalation: NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', 'SIGKILL'];
      escalation.forEach((signal, step) => timers.push(setTimeout(() => child.exitCode === null && child.kill(signal), step * graceMs)));
    };

    /** The timer that ends the session at the TTL, and the warnings before it. */
    const armEnd = () => {
      for (const timer of endTimers) clearTimeout(timer);
      const msLeft = expiresAtMs - now();
      endTimers = [setTimeout(() => end('expired'), Math.max(0, msLeft))];
      for (const minutes of WARN_AT_MINUTES) {
        const at = msLeft - minutes * 60_000;
        // The end is known to the second and issuance takes a moment: a mark passed by under a second is still announced, at once.
        if (at > -LATE_WARNING_MS) endTimers.push(setTimeout(() => options.warn(`${minutes} minute${minutes > 1 ? 's' : ''} left in this session`), Math.max(0, at)));
      }
    };

    child.on('error', (error) => finish({ kind: 'not_started', message: error.message }));
    child.on('exit', (code, signal) => {
      if (ending) return finish({ kind: ending });
      // setpriv answers 127 for a command it could not execute, as shells do.
      const outcome: SessionOutcome = signal ? { kind: 'signaled', signal } : { kind: 'exited', code: code ?? 1 };
      if (outcome.kind === 'exited' && outcome.code === 0) return finish(outcome);
      // A child that failed just as its grant ran out or was revoked (the target cut its connection
      // before jit acted) ended because of that, and says so. The broker gets a moment to say which.
      if (now() >= expiresAtMs) return finish({ kind: 'expired' });
      timers.push(setTimeout(() => finish(outcome), FINAL_LOOK_MS));
      options.look().then(
        (look) => finish(look.live ? outcome : { kind: 'revoked' }),
        () => finish(outcome),
      );
    });

    for (const signal of TERMINAL_SIGNALS) on(signal, () => {});
    for (const signal of FORWARDED_SIGNALS) on(signal, () => child.kill(signal));
    // `jit revoke` and `jit extend` from another terminal wake us so the session ends, or learns its new
    // end, now rather than at the next heartbeat.
    const check = () =>
      void options.look().then(
        (look) => {
          if (!look.live) return end('revoked');
          // SECURITY: the broker's end is the one that counts, later or earlier; an ending session stays ending.
          if (look.expiresAtMs === undefined || look.expiresAtMs === expiresAtMs || ending || finished) return;
          expiresAtMs = look.expiresAtMs;
          armEnd();
          options.endMoved?.(expiresAtMs);
        },
        () => {},
      );
    on(WAKE_SIGNAL, check);
    if (options.checkAtStart) check();

    armEnd();
    // Timers run on a clock that stops while the machine sleeps: a laptop resumed past the TTL ends the
    // session at the next tick of the wall clock, not minutes later.
    const wallClock = setInterval(() => now() >= expiresAtMs && end('expired'), EXPIRY_TICK_MS);
    timers.push(wallClock as unknown as NodeJS.Timeout);
    const heartbeat = setInterval(check, options.heartbeatSeconds * 1000);
    timers.push(heartbeat as unknown as NodeJS.Timeout);
  });
}
