// HTTP to a team broker (`jit serve`) over undici: bounded connect and read times, retries with backoff
// for idempotent calls only, a private CA when configured, and the broker's error body turned back into
// the JitError (and so the exit code) it stands for.
import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import { ERROR_CODES, JitError, UNSAFE_TEXT, type ErrorCode } from '../core/errors.js';
import { isRequestId } from '../core/identifiers.js';

export interface BrokerClientOptions {
  /** The broker's URL from config.yaml, e.g. https://jit.example.com/. */
  url: string;
  caFile?: string;
  /** The bearer token for a call; absent for the calls made before login. */
  token?: () => Promise<string>;
  /** What to do when the broker does not take the token: log in again, for a person (the default). */
  unauthenticatedHint?: string;
}

const CONNECT_TIMEOUT_MS = 5_000;
const READ_TIMEOUT_MS = 15_000;
/** Attempts of an idempotent call when the broker is unreachable or says it is (502, 503, 504). */
const ATTEMPTS = 3;
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A message from the broker, shown on a terminal: no control or direction-changing characters. */
function clean(text: unknown, fallback: string): string {
  return typeof text === 'string' && text.length > 0 ? text.slice(0, 1000).replace(new RegExp(UNSAFE_TEXT.source, 'g'), '?') : fallback;
}

export class BrokerClient {
  readonly #base: URL;
  readonly #dispatcher: Dispatcher;
  readonly #token: (() => Promise<string>) | undefined;
  readonly #unauthenticatedHint: string;

  constructor(options: BrokerClientOptions) {
    this.#base = new URL(options.url);
    let ca: string | undefined;
    if (options.caFile) {
      try {
        ca = readFileSync(options.caFile, 'utf8');
      } catch (error) {
        throw new JitError('config', `cannot read caFile ${options.caFile}: ${(error as Error).message}`, { hint: 'fix caFile in config.yaml', cause: error });
      }
    }
    this.#dispatcher = new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS, ...(ca ? { ca } : {}) }, headersTimeout: READ_TIMEOUT_MS, bodyTimeout: READ_TIMEOUT_MS });
    this.#token = options.token;
    this.#unauthenticatedHint = options.unauthenticatedHint ?? 'run `jit login`, then try again';
  }

  get url(): string {
    return this.#base.origin;
  }

  /**
   * One call. `idempotent`: safe to send again when no answer came (a read, a heartbeat, a revoke of
   * what may already be revoked); a request for a grant is never sent twice.
   */
  async call<T>(method: 'GET' | 'POST', path: string, options: { body?: unknown; idempotent: boolean; authenticated?: boolean; signal?: AbortSignal }): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.authenticated !== false) {
      if (!this.#token) throw new JitError('internal', 'an authenticated broker call without a token source');
      headers.authorization = `Bearer ${await this.#token()}`;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const attempts = options.idempotent ? ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await request(new URL(path, this.#base), {
          method,
          headers,
          dispatcher: this.#dispatcher,
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        if (options.signal?.aborted) throw new JitError('cancelled', 'the call to the broker was stopped');
        if (attempt < attempts) {
          await sleep(200 * 3 ** (attempt - 1));
          continue;
        }
        throw this.#unreachable(error);
      }
      if (attempt < attempts && [502, 503, 504].includes(response.statusCode)) {
        await response.body.dump();
        await sleep(200 * 3 ** (attempt - 1));
        continue;
      }
      return this.#answer<T>(response);
    }
  }

  async #answer<T>(response: Dispatcher.ResponseData): Promise<T> {
    const length = Number(response.headers['content-length'] ?? 0);
    if (length > MAX_RESPONSE_BYTES) {
      await response.body.dump();
      throw new JitError('unavailable', `the broker at ${this.url} sent an answer too large to be one of its own`);
    }
    const text = await response.body.text();
    if (response.statusCode === 204) return undefined as T;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      throw new JitError('unavailable', `the broker at ${this.url} answered ${response.statusCode} with something other than JSON`, { hint: 'check that broker in config.yaml is the jit broker\'s URL (and not a proxy\'s page)' });
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return body as T;
    const error = (body as { error?: { code?: unknown; message?: unknown; hint?: unknown; requestId?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' && ERROR_CODES.has(error.code as ErrorCode) ? (error.code as ErrorCode) : response.statusCode >= 500 ? 'unavailable' : 'internal';
    const hint = code === 'unauthenticated' ? this.#unauthenticatedHint : typeof error?.hint === 'string' ? clean(error.hint, '') : undefined;
    // A request left waiting for approvals names itself, so that its requester can wait for it or pick it up later.
    const requestId = code === 'pending' && typeof error?.requestId === 'string' && isRequestId(error.requestId) ? error.requestId : undefined;
    throw new JitError(code, `the broker: ${clean(error?.message, `answered ${response.statusCode}`)}`, { ...(hint ? { hint } : {}), ...(requestId ? { requestId } : {}) });
  }

  #unreachable(error: unknown): JitError {
    const detail = (error as { code?: string }).code ?? (error as Error).message;
    return new JitError('unavailable', `the broker at ${this.url} cannot be reached (${clean(detail, 'no answer')})`, {
      hint: 'check that it is up and that this machine can reach it; `broker:` in config.yaml names it',
      cause: error,
    });
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}
