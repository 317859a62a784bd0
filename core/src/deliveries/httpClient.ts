/**
 * The HTTP client every outbound adapter shares (registries, dispatch, 12123, insurers): each
 * request signed afresh (KC1 or a webhook signature, signing.ts: a retry gets a new timestamp
 * and nonce), a timeout
 * per attempt, retries with exponential backoff and full jitter (a 429's Retry-After is
 * honoured up to the cap), and a circuit breaker (cockatiel) that stops calling a
 * counterpart after consecutive failures and lets one trial call through after a pause.
 *
 * Transient failures — connection refused or dropped, timeout, 408, 429, 5xx — are retried
 * and count towards the breaker; once retries are used up, or while the breaker is open, the
 * call throws CounterpartUnavailable, which each adapter turns into its own "unavailable"
 * outcome. Any other answer (2xx, a 4xx about the request) is returned as it is.
 */
import {
  BrokenCircuitError, ConsecutiveBreaker, DelegateBackoff, circuitBreaker, handleWhen, retry, wrap,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { signRequest, type SigningKey } from './signing.ts';
import type { DispatchHttpOptions, Progress12123Options, RegistryHttpOptions } from '../generated/types.ts';

/**
 * Timeouts, retries and the breaker, as the adapters' option schemas declare them (one set of
 * names, meanings and bounds in schemas/plugins/{registry-http,dispatch-http,progress-12123}); the
 * defaults below apply when a caller leaves one out.
 */
export type ResilienceOptions = Pick<RegistryHttpOptions & DispatchHttpOptions & Progress12123Options, 'timeoutMs' | 'attempts' | 'backoffMs' | 'maxBackoffMs' | 'breakerFailures' | 'halfOpenAfterMs'>;

const RESILIENCE = ['timeoutMs', 'attempts', 'backoffMs', 'maxBackoffMs', 'breakerFailures', 'halfOpenAfterMs'] as const;

/** The resilience options an adapter's options set, for createSignedClient (those left out keep the defaults). */
export function resilienceOf(options: ResilienceOptions): ResilienceOptions {
  const out: ResilienceOptions = {};
  for (const k of RESILIENCE) {
    const v = options[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export type UnavailableReason = 'circuit_open' | 'timeout' | 'connection' | 'throttled' | 'server_error';

/** The counterpart could not answer (after retries), or the breaker is open. */
export class CounterpartUnavailable extends Error {
  constructor(readonly reason: UnavailableReason, readonly counterpart: string, detail: string) {
    super(`${counterpart} unavailable (${reason}): ${detail}`);
    this.name = 'CounterpartUnavailable';
  }
}

/** One failed attempt worth retrying. */
class TransientError extends Error {
  constructor(readonly reason: Exclude<UnavailableReason, 'circuit_open'>, detail: string, readonly retryAfterMs?: number) {
    super(detail);
  }
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  json: unknown;
}

export interface SignedClient {
  /** Sends `body` (JSON) with `method` to baseUrl + path. */
  send(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, extraHeaders?: Record<string, string>): Promise<HttpAnswer>;
  readonly breaker: CircuitBreakerPolicy;
}

export interface SignedClientOptions extends ResilienceOptions {
  /** For messages and logs: registry-http … */
  counterpart: string;
  baseUrl: string;
  /** KC1-signs every attempt with this key … */
  key?: SigningKey;
  /** … or with this (webhooks: signing.ts signWebhook); called afresh for every attempt. */
  sign?: (req: { method: string; path: string; body: string; nowMs: number }) => Record<string, string>;
  /** Wall time for the signature's timestamp (the counterpart checks it against its own clock). */
  now?: () => number;
  log?: { warn(obj: object, msg?: string): void };
}

export function createSignedClient(opts: SignedClientOptions): SignedClient {
  const base = new URL(opts.baseUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`${opts.counterpart}: baseUrl must be http(s), got ${opts.baseUrl}`);
  const basePath = base.pathname.replace(/\/$/, '');
  const key = opts.key;
  const signer = opts.sign ?? (key ? (req: { method: string; path: string; body: string; nowMs: number }) => signRequest(key, req) : null);
  if (!signer) throw new Error(`${opts.counterpart}: a signing key (or signer) is required`);
  const sign = signer;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const backoffMs = opts.backoffMs ?? 200;
  const maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const transient = handleWhen((e) => e instanceof TransientError);
  const breaker = circuitBreaker(transient, { halfOpenAfter: opts.halfOpenAfterMs ?? 30_000, breaker: new ConsecutiveBreaker(opts.breakerFailures ?? 5) });
  const retries = retry(transient, {
    maxAttempts: Math.max(0, (opts.attempts ?? 3) - 1),
    // Full jitter (AWS "exponential backoff and jitter"): a random wait up to the doubled cap.
    backoff: new DelegateBackoff((ctx) => {
      const err = 'error' in ctx.result ? ctx.result.error : undefined;
      const cap = Math.min(maxBackoffMs, backoffMs * 2 ** (ctx.attempt - 1));
      const jittered = Math.random() * cap;
      return err instanceof TransientError && err.retryAfterMs !== undefined ? Math.min(maxBackoffMs, Math.max(err.retryAfterMs, jittered)) : jittered;
    }),
  });
  retries.onRetry((r) => opts.log?.warn({ counterpart: opts.counterpart, err: 'error' in r ? (r.error as Error).message : undefined, delayMs: Math.round(r.delay) }, 'retrying a call'));
  breaker.onBreak(() => opts.log?.warn({ counterpart: opts.counterpart }, 'circuit breaker open: calls answer "unavailable" until a trial call succeeds'));
  const policy = wrap(retries, breaker);

  async function attempt(method: string, path: string, text: string, extra: Record<string, string>): Promise<HttpAnswer> {
    const full = `${basePath}${path}`;
    const headers = { 'content-type': 'application/json; charset=utf-8', ...extra, ...sign({ method, path: full, body: text, nowMs: now() }) };
    let res: Response;
    try {
      res = await fetch(new URL(full, base), { method, headers, ...(method === 'GET' ? {} : { body: text }), signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new TransientError('timeout', `no answer within ${timeoutMs} ms`);
      // fetch reports every network failure as "fetch failed" with the socket error as its cause; anything else is ours.
      if (err.message === 'fetch failed' || err.cause?.code) throw new TransientError('connection', err.cause?.code ?? err.message);
      throw err;
    }
    let body: string;
    try {
      body = await res.text();
    } catch (e) {
      // The connection dropped half way through the answer.
      throw new TransientError((e as Error).name === 'TimeoutError' ? 'timeout' : 'connection', `answer cut off: ${(e as Error).message}`);
    }
    if (res.status === 429 || res.status === 408) {
      const ra = Number(res.headers.get('retry-after'));
      throw new TransientError('throttled', `HTTP ${res.status}`, Number.isFinite(ra) && ra >= 0 ? ra * 1000 : undefined);
    }
    if (res.status >= 500) throw new TransientError('server_error', `HTTP ${res.status}`);
    let json: unknown = null;
    try {
      json = body ? JSON.parse(body) : null;
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, text: body, json };
  }

  return {
    breaker,
    async send(method, path, body, extraHeaders = {}) {
      const text = body === undefined ? '' : JSON.stringify(body);
      try {
        return await policy.execute(() => attempt(method, path, text, extraHeaders));
      } catch (e) {
        if (e instanceof BrokenCircuitError) throw new CounterpartUnavailable('circuit_open', opts.counterpart, 'circuit breaker open after repeated failures');
        if (e instanceof TransientError) throw new CounterpartUnavailable(e.reason, opts.counterpart, e.message);
        throw e;
      }
    },
  };
}
