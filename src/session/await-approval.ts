// A request its role leaves to approvers: the requester waits on the broker's long poll (one call at a
// time, each held by the broker until the request is decided or ten seconds pass: no busy polling) until
// it is decided, it expires, the wait runs out or they stop waiting; once approved, its grant is
// picked up. Leaving never withdraws the request: `jit elevate --request ID` picks it up later.
import type { Backend, PendingRequest } from '../backends/backend.js';
import { formatDuration } from '../core/duration.js';
import { JitError, displayText } from '../core/errors.js';

export interface ApprovalWait {
  /** false (`--no-wait`): leave at once, exit 75 with the request id. */
  wait: boolean;
  /** How long to wait at most (`jit exec --wait`); otherwise until the request expires. */
  maxSeconds?: number;
  /** The command that picks an approved request up later (default `jit elevate --request ID`). */
  pickUp?: (id: string) => string;
}

export interface WaitDeps {
  backend: Backend;
  /** A line for the requester (stderr): what they wait for and how to leave. */
  tell: (message: string) => void;
  progress: <T>(text: string, work: Promise<T>) => Promise<T>;
  now?: () => number;
}

/** How long the broker holds one look open; below the client's read timeout. */
const POLL_SECONDS = 10;
/** A broker that answers a look at once (an embedded one) is asked again no sooner than this. */
const MIN_LOOK_MS = 1000;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** The request once it is no longer pending; a JitError if it will not become a grant. */
export async function awaitDecision(id: string, how: ApprovalWait, deps: WaitDeps): Promise<PendingRequest> {
  const now = deps.now ?? Date.now;
  const first = await deps.backend.pendingRequest(id);
  if (!first) throw new JitError('usage', `there is no request ${id} of yours`, { hint: '`jit requests` lists yours' });
  if (!first.mine) throw new JitError('usage', `request ${id} is ${displayText(first.requester)}'s: only they may pick up its grant`, { hint: '`jit requests` lists yours' });
  if (first.state !== 'pending') return decided(first);
  const pickUp = `\`${how.pickUp ? how.pickUp(id) : `jit elevate --request ${id}`}\``;
  if (!how.wait) {
    throw new JitError('pending', `request ${id} for ${what(first)} waits for ${awaited(first)}`, { hint: `once approved, pick it up with ${pickUp}`, requestId: id });
  }
  // A second past its end (whole seconds, rounded down), so that the broker has expired it by the last look.
  const expiresMs = (first.pendingUntil + 1) * 1000;
  const untilMs = Math.min(expiresMs, how.maxSeconds === undefined ? Infinity : now() + how.maxSeconds * 1000);
  deps.tell(
    `request ${id} for ${what(first)} waits for ${awaited(first)}: an approver runs \`jit approve ${id}\`. ` +
      `Waiting up to ${formatDuration(Math.max(1, Math.ceil((untilMs - now()) / 1000)))}; Ctrl-C stops waiting, and ${pickUp} picks it up later.`,
  );
  const stop = stopSignal();
  try {
    const seen = await deps.progress(`waiting for approval of ${id}`, lookUntil(id, untilMs, deps.backend, now, stop));
    if (seen === 'stopped') throw new JitError('pending', `stopped waiting; request ${id} still waits for ${awaited(first)}`, { hint: `once approved, pick it up with ${pickUp}`, requestId: id });
    if (seen.state === 'pending') throw new JitError('pending', `request ${id} still waits for ${awaited(seen)}; stopped waiting`, { hint: `once approved, pick it up with ${pickUp}`, requestId: id });
    return decided(seen);
  } finally {
    stop.remove();
  }
}

async function lookUntil(id: string, untilMs: number, backend: Backend, now: () => number, stopped: StopSignal): Promise<PendingRequest | 'stopped'> {
  // Bounded: each look lasts at most POLL_SECONDS (or MIN_LOOK_MS), and the loop ends at untilMs.
  let seen: PendingRequest | undefined;
  while (now() < untilMs) {
    const startedMs = now();
    const waitSeconds = Math.max(1, Math.min(POLL_SECONDS, Math.floor((untilMs - startedMs) / 1000)));
    const answer = await Promise.race([backend.pendingRequest(id, { seconds: waitSeconds, signal: stopped.abort }), stopped.signalled]);
    if (answer === 'stopped') return answer;
    if (!answer) throw new JitError('usage', `request ${id} is no longer there`, { hint: '`jit requests` lists yours' });
    seen = answer;
    if (seen.state !== 'pending') return seen;
    const elapsed = now() - startedMs;
    if (elapsed < MIN_LOOK_MS && (await Promise.race([sleep(MIN_LOOK_MS - elapsed), stopped.signalled])) === 'stopped') return 'stopped';
  }
  // One last look: the request may have been decided, or expired, as the wait ran out.
  return (await backend.pendingRequest(id)) ?? seen ?? 'stopped';
}

/** A decided request: approved and unused, or the reason it gives no grant. */
function decided(request: PendingRequest): PendingRequest {
  const id = displayText(String(request.id));
  switch (request.state) {
    case 'approved':
      if (request.used) throw new JitError('usage', `request ${id} was already used for a grant`, { hint: 'an approval is good for one grant: make a new request' });
      return request;
    case 'denied':
      // The broker's words, shown as data: a team broker's text is not this terminal's to trust.
      throw new JitError('denied', `request ${id} was denied by ${displayText(request.denial?.by ?? 'an approver')}${request.denial?.reason ? `: ${displayText(request.denial.reason)}` : ''}`, { hint: 'make a new request once the reason is dealt with' });
    case 'expired':
      throw new JitError('pending', `request ${id} expired before it was approved`, { hint: 'make a new request, and let an approver know' });
    default:
      throw new JitError('denied', `request ${id} was ${displayText(String(request.state))}`, { hint: 'make a new request' });
  }
}

function what(request: PendingRequest): string {
  return `${displayText(request.role)} (${displayText(request.ticket)})`;
}

function awaited(request: PendingRequest): string {
  const missing = Math.max(1, request.required - request.approvers.length);
  return `${missing} more approval${missing > 1 ? 's' : ''}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface StopSignal {
  signalled: Promise<'stopped'>;
  /** Aborted with it: the look in flight is given up, so that leaving is not held up by it. */
  abort: AbortSignal;
  remove: () => void;
}

/** Ctrl-C, TERM, HUP or QUIT while waiting means "stop waiting", not "kill jit". */
function stopSignal(): StopSignal {
  const controller = new AbortController();
  let listener: () => void = () => {};
  const signalled = new Promise<'stopped'>((resolve) => {
    listener = () => {
      controller.abort();
      resolve('stopped');
    };
  });
  for (const signal of SIGNALS) process.on(signal, listener);
  return { signalled, abort: controller.signal, remove: () => SIGNALS.forEach((signal) => process.off(signal, listener)) };
}
