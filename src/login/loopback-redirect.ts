// The loopback redirect of RFC 8252 §7.3: a listener on 127.0.0.1, on a port the system picks, that
// takes one answer to one login and is closed however the wait ends (code, refusal, timeout, Ctrl-C).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatDuration } from '../core/duration.js';
import { JitError } from '../core/errors.js';
import type { CallbackVerdict } from './authorization-code.js';

export const CALLBACK_PATH = '/callback';

export interface RedirectOptions {
  /** Decides about each request to the callback path (see judgeCallback). */
  judge(query: URLSearchParams): CallbackVerdict;
  /** Called once the listener is up, with the redirect URI the authorization request must carry. */
  listening(redirectUri: string): void;
  timeoutMs: number;
  /** Aborted when the operator gives up (Ctrl-C). */
  signal?: AbortSignal;
}

type Outcome = { code: string } | { error: JitError };

/** A page for the browser. It echoes nothing it was sent: the terminal says the rest. */
function page(response: ServerResponse, status: number, title: string, text: string, then?: () => void): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // SECURITY: the callback URL holds the code; the page loads nothing and sends no Referer anywhere.
    'content-security-policy': "default-src 'none'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  response.end(`<!doctype html>\n<html><head><meta charset="utf-8"><title>jit login</title></head><body><h1>${title}</h1><p>${text}</p></body></html>\n`, then);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new JitError('os', 'jit could not listen on 127.0.0.1 for the browser login', { hint: 'use `jit login` (the device flow)', cause: error })));
    // SECURITY: the IP literal 127.0.0.1 (RFC 8252 §7.3, §8.3), never 0.0.0.0 or a name: only this machine can answer.
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // A browser's keep-alive connection, or a program holding one open, must not keep the port.
    server.closeAllConnections();
  });
}

/** Waits for this login's code at http://127.0.0.1:PORT/callback; a JitError when it is refused, times out or is cancelled. */
export async function receiveCode(options: RedirectOptions): Promise<{ code: string; redirectUri: string }> {
  let over = false;
  let finish: (outcome: Outcome) => void = () => {};
  const finished = new Promise<Outcome>((resolve) => (finish = resolve));
  const server = createServer({ requestTimeout: 10_000, headersTimeout: 10_000 }, (request: IncomingMessage, response: ServerResponse) => {
    const url = URL.canParse(request.url ?? '', 'http://127.0.0.1') ? new URL(request.url ?? '', 'http://127.0.0.1') : undefined;
    if (!url || url.pathname !== CALLBACK_PATH) return page(response, 404, 'Not found', 'This address answers only the login jit started.');
    if (request.method !== 'GET') return page(response, 405, 'Not allowed', 'This address answers only the login jit started.');
    // Only one answer is taken: whatever comes after it finds the login over.
    if (over) return page(response, 409, 'This login is over', 'You may close this tab.');
    const verdict = options.judge(url.searchParams);
    if (verdict.kind === 'ignored') return page(response, 400, 'Not the login jit is waiting for', `${verdict.reason}. You may close this tab.`);
    over = true;
    // The wait ends once the page is sent, so closing the listener cannot cut it off.
    if (verdict.kind === 'code') return page(response, 200, 'jit has your login', 'You may close this tab and return to the terminal.', () => finish({ code: verdict.code }));
    return page(response, 400, 'The login did not complete', 'The terminal says why. You may close this tab.', () => finish({ error: verdict.error }));
  });
  const port = await listen(server);
  const redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;
  const timer = setTimeout(() => finish({ error: new JitError('pending', `the login was not finished in the browser within ${formatDuration(Math.ceil(options.timeoutMs / 1000))}`, { hint: 'run `jit login --browser` again' }) }), options.timeoutMs);
  const cancel = () => finish({ error: new JitError('cancelled', 'the login was cancelled', { hint: 'run `jit login --browser` again to start over' }) });
  options.signal?.addEventListener('abort', cancel, { once: true });
  try {
    if (options.signal?.aborted) cancel();
    options.listening(redirectUri);
    const outcome = await finished;
    if ('error' in outcome) throw outcome.error;
    return { code: outcome.code, redirectUri };
  } finally {
    over = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', cancel);
    await close(server);
  }
}
