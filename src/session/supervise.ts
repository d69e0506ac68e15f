// Runs the session's child and stays its parent until it ends: forwards signals, warns before the
// TTL, ends the child at the TTL or when the grant is revoked elsewhere, and reports how it ended.
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

export interface SuperviseOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  expiresAtMs: number;
  heartbeatSeconds: number;
  /** Asks the broker whether the grant still lives (and tells it we do). */
  stillLive: () => Promise<boolean>;
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
    const listeners: [NodeJS.Signals, () => void][] = [];
    let ending: 'expired' | 'revoked' | undefined;

    const start = () => spawn(file, args, { stdio: 'inherit', env: options.env });
    const child = options.spawnChild ? options.spawnChild(start) : start();

    let finished = false;
    const finish = (outcome: SessionOutcome) => {
      if (finished) return;
      finished = true;
      for (const timer of timers) clearTimeout(timer);
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

    child.on('error', (error) => finish({ kind: 'not_started', message: error.message }));
    child.on('exit', (code, signal) => {
      if (ending) return finish({ kind: ending });
      // setpriv answers 127 for a command it could not execute, as shells do.
      const outcome: SessionOutcome = signal ? { kind: 'signaled', signal } : { kind: 'exited', code: code ?? 1 };
      if (outcome.kind === 'exited' && outcome.code === 0) return finish(outcome);
      // A child that failed just as its grant ran out or was revoked (the target cut its connection
      // before jit acted) ended because of that, and says so. The broker gets a moment to say which.
      if (now() >= options.expiresAtMs) return finish({ kind: 'expired' });
      timers.push(setTimeout(() => finish(outcome), FINAL_LOOK_MS));
      options.stillLive().then(
        (live) => finish(live ? outcome : { kind: 'revoked' }),
        () => finish(outcome),
      );
    });

    for (const signal of TERMINAL_SIGNALS) on(signal, () => {});
    for (const signal of FORWARDED_SIGNALS) on(signal, () => child.kill(signal));
    // `jit revoke` from another terminal wakes us so the session ends now, not at the next heartbeat.
    const check = () => void options.stillLive().then((live) => live || end('revoked'), () => {});
    on(WAKE_SIGNAL, check);
    if (options.checkAtStart) check();

    const msLeft = options.expiresAtMs - now();
    timers.push(setTimeout(() => end('expired'), Math.max(0, msLeft)));
    // Timers run on a clock that stops while the machine sleeps: a laptop resumed past the TTL ends the
    // session at the next tick of the wall clock, not minutes later.
    const wallClock = setInterval(() => now() >= options.expiresAtMs && end('expired'), EXPIRY_TICK_MS);
    timers.push(wallClock as unknown as NodeJS.Timeout);
    for (const minutes of WARN_AT_MINUTES) {
      const at = msLeft - minutes * 60_000;
      // The end is known to the second and issuance takes a moment: a mark passed by under a second is still announced, at once.
      if (at > -LATE_WARNING_MS) timers.push(setTimeout(() => options.warn(`${minutes} minute${minutes > 1 ? 's' : ''} left in this session`), Math.max(0, at)));
    }
    const heartbeat = setInterval(check, options.heartbeatSeconds * 1000);
    timers.push(heartbeat as unknown as NodeJS.Timeout);
  });
}
