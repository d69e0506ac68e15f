// The loopback listener of `jit login --browser`, with real HTTP on 127.0.0.1: one answer ends the
// wait, anything else gets an error page, and the port is closed however the wait ends.
import { describe, expect, it } from 'vitest';
import { ExitCode, JitError } from '../../src/core/errors.js';
import type { CallbackVerdict } from '../../src/login/authorization-code.js';
import { receiveCode, type RedirectOptions } from '../../src/login/loopback-redirect.js';

/** A judge that takes `code=good`, refuses `code=no`, and ignores the rest. */
function judge(query: URLSearchParams): CallbackVerdict {
  if (query.get('code') === 'good') return { kind: 'code', code: 'good' };
  if (query.get('code') === 'no') return { kind: 'refused', error: new JitError('denied', 'refused') };
  return { kind: 'ignored', reason: 'not this one' };
}

/** Starts the wait; resolves once it listens, with the outcome still to come. */
async function waiting(options: Partial<RedirectOptions> = {}) {
  let ready: (uri: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (ready = resolve));
  const outcome = receiveCode({ judge, listening: ready, timeoutMs: 10_000, ...options }).then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error as JitError }),
  );
  return { redirectUri: await listening, outcome };
}

const refusesConnections = (uri: string) =>
  fetch(uri, { signal: AbortSignal.timeout(2000) }).then(
    () => false,
    () => true,
  );

describe('receiveCode', () => {
  it('listens on 127.0.0.1, a port chosen at run time, at /callback', async () => {
    const { redirectUri, outcome } = await waiting();
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*\/callback$/);
    await fetch(`${redirectUri}?code=good`);
    await outcome;
  });

  it('answers what it ignores with an error page and waits on; the answer it takes ends the wait and closes the port', async () => {
    const { redirectUri, outcome } = await waiting();
    const ignored = await fetch(`${redirectUri}?code=other`);
    expect(ignored.status).toBe(400);
    expect(ignored.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect((await fetch(`${redirectUri.replace('/callback', '/favicon.ico')}`)).status).toBe(404);
    expect((await fetch(`${redirectUri}?code=good`, { method: 'POST' })).status).toBe(405);
    const taken = await fetch(`${redirectUri}?code=good`);
    expect(taken.status).toBe(200);
    expect(await taken.text()).toContain('You may close this tab');
    expect(await outcome).toEqual({ value: { code: 'good', redirectUri } });
    expect(await refusesConnections(redirectUri)).toBe(true);
  });

  it('a refusal ends the wait with its error, after its page is sent, and closes the port', async () => {
    const { redirectUri, outcome } = await waiting();
    expect((await fetch(`${redirectUri}?code=no`)).status).toBe(400);
    expect(await outcome).toMatchObject({ error: { message: 'refused', exitCode: ExitCode.denied } });
    expect(await refusesConnections(redirectUri)).toBe(true);
  });

  it('gives up after its timeout with exit 75, and closes the port', async () => {
    const { redirectUri, outcome } = await waiting({ timeoutMs: 300 });
    expect(await outcome).toMatchObject({ error: { message: 'the login was not finished in the browser within 1s', exitCode: ExitCode.temporary } });
    expect(await refusesConnections(redirectUri)).toBe(true);
  });

  it('is cancelled by its signal (Ctrl-C) with exit 130, and closes the port even with a connection held open', async () => {
    const cancel = new AbortController();
    const { redirectUri, outcome } = await waiting({ signal: cancel.signal });
    // A client that opened a connection and never sent a request must not keep the port open.
    const { connect } = await import('node:net');
    const port = Number(new URL(redirectUri).port);
    const idle = connect(port, '127.0.0.1');
    await new Promise((resolve) => idle.once('connect', resolve));
    cancel.abort();
    expect(await outcome).toMatchObject({ error: { message: 'the login was cancelled', exitCode: ExitCode.cancelled } });
    expect(await refusesConnections(redirectUri)).toBe(true);
    idle.destroy();
  });

  it('an error while showing the address closes the port too', async () => {
    let uri = '';
    const failing = receiveCode({
      judge,
      listening: (redirectUri) => {
        uri = redirectUri;
        throw new JitError('usage', 'no authorization endpoint');
      },
      timeoutMs: 10_000,
    });
    await expect(failing).rejects.toMatchObject({ message: 'no authorization endpoint' });
    expect(await refusesConnections(uri)).toBe(true);
  });
});
