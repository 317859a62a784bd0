// One participant's signalling socket, server side: request/response framing with ids, server
// requests with a timeout, notifications, and schema checks. Frames that arrive before the room
// is ready (the socket is open while the case is looked up) are kept and handled in order.
import { EventEmitter } from 'node:events';
import type { ValidateFunction } from 'ajv';
import { schemaRegistry } from '@kuaichu/core/schemas';
import { KcError, Errors } from '@kuaichu/core/errors';
import type { MediaSocket } from '@kuaichu/core/ports';
import type { MediaLogger } from '../log.ts';
import {
  CLIENT_METHODS,
  CloseCode,
  type ClientMethod,
  type ClientRequest,
  type Frame,
  type MediaClientResponses,
  type MediaNotifications,
  type MediaServerRequests,
  type MediaServerResponses,
  type NotificationMethod,
  type ServerMethod,
} from './messages.ts';

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BAD_FRAMES = 20;

export type ConnectionEvents = {
  /** The socket closed (either side); code and reason as in the close frame. */
  close: [code: number, reason: string];
};

export type RequestHandler = (request: ClientRequest) => Promise<MediaClientResponses[ClientMethod]>;

/** Compiled validators for every message, from schemas/signaling/. */
const validators = (() => {
  const cache = new Map<string, ValidateFunction>();
  return (file: string, method?: string): ValidateFunction => {
    const key = method ? `signaling/${file}.schema.json#/properties/${method}` : `signaling/${file}.schema.json`;
    let v = cache.get(key);
    if (!v) {
      v = schemaRegistry().ajv.getSchema(key);
      if (!v) throw new Error(`no schema ${key}`);
      cache.set(key, v);
    }
    return v;
  };
})();

function explain(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath || '(data)'} ${e.message}`).join('; ');
}

export interface ConnectionOptions {
  logger: MediaLogger;
  /** Also check what the server sends (tests): a schema that lags the code fails loudly. */
  validateOutgoing?: boolean;
}

export class SignalingConnection extends EventEmitter<ConnectionEvents> {
  readonly #socket: MediaSocket;
  readonly #logger: MediaLogger;
  readonly #validateOutgoing: boolean;
  readonly #pending = new Map<number, { method: ServerMethod; resolve: (d: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #buffered: Frame[] = [];
  #handler: RequestHandler | null = null;
  #nextId = 1;
  #badFrames = 0;
  #closed = false;

  constructor(socket: MediaSocket, opts: ConnectionOptions) {
    super();
    this.#socket = socket;
    this.#logger = opts.logger;
    this.#validateOutgoing = opts.validateOutgoing ?? false;
    socket.on('message', (raw, isBinary) => this.#onMessage(isBinary ? null : raw.toString()));
    socket.on('close', (code, reason) => this.#onClose(code, reason.toString()));
    socket.on('error', (err) => this.#logger.warn(`socket error: ${err.message}`));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Pings the client every `intervalMs`; a client that did not answer the previous ping is gone
   * (a phone that lost its network never sends a close frame) and its socket is terminated.
   */
  startHeartbeat(intervalMs = 10_000): void {
    let alive = true;
    this.#socket.on('pong', () => {
      alive = true;
    });
    const timer = setInterval(() => {
      if (!alive) {
        this.#logger.info('no answer to ping: the socket is dead');
        this.#socket.terminate();
        return;
      }
      alive = false;
      try {
        this.#socket.ping();
      } catch {
        // closing
      }
    }, intervalMs);
    timer.unref();
    this.once('close', () => clearInterval(timer));
  }

  /** Starts handling requests (and those that arrived before). */
  serve(handler: RequestHandler): void {
    this.#handler = handler;
    const buffered = this.#buffered;
    this.#buffered = [];
    for (const f of buffered) this.#dispatch(f);
  }

  async request<M extends ServerMethod>(method: M, data: MediaServerRequests[M]): Promise<MediaServerResponses[M]> {
    if (this.#closed) throw Errors.unavailable('the participant has left');
    this.#checkOutgoing('server-requests', method, data);
    const id = this.#nextId++;
    return new Promise<MediaServerResponses[M]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(Errors.unavailable(`no answer to ${method} within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, { method, resolve: resolve as (d: unknown) => void, reject, timer });
      this.#send({ kind: 'request', id, method, data: data as unknown as Record<string, unknown> });
    });
  }

  notify<M extends NotificationMethod>(method: M, data: MediaNotifications[M]): void {
    if (this.#closed) return;
    this.#checkOutgoing('notifications', method, data);
    this.#send({ kind: 'notification', method, data: data as unknown as Record<string, unknown> });
  }

  /** Closes the socket with an application code; idempotent. */
  close(code: number = CloseCode.roomClosed, reason = ''): void {
    if (this.#closed) return;
    this.#socket.close(code, reason.slice(0, 120));
    // A peer that never completes the close handshake must not hold the socket for ws's 30 s.
    setTimeout(() => this.#socket.terminate(), 1000).unref();
    this.#onClose(code, reason);
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(Errors.unavailable('the participant has left'));
    }
    this.#pending.clear();
    this.emit('close', code, reason);
  }

  #send(frame: Frame): void {
    if (this.#socket.readyState === 1) this.#socket.send(JSON.stringify(frame));
  }

  #checkOutgoing(file: string, method: string, data: unknown): void {
    if (!this.#validateOutgoing) return;
    const v = validators(file, method);
    if (!v(data)) throw new Error(`outgoing ${file} ${method} does not match its schema: ${explain(v)}`);
  }

  #bad(why: string): void {
    this.#logger.warn(`bad frame: ${why}`);
    if (++this.#badFrames > MAX_BAD_FRAMES) this.close(CloseCode.protocol, 'too many bad frames');
  }

  #onMessage(text: string | null): void {
    if (this.#closed) return;
    if (text === null) return this.#bad('binary frame');
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return this.#bad('not JSON');
    }
    const v = validators('frame');
    if (!v(frame)) {
      const why = explain(v);
      // A request that is broken but has an id is still answered: its client waits for that id
      // (the signalling fuzz found a request whose data was a string left pending for good).
      const id = requestId(frame);
      if (id !== null) {
        const e = Errors.validation(`request: ${why}`.slice(0, 500));
        this.#send({ kind: 'response', id, ok: false, error: { code: e.code, message: e.message } });
      }
      return this.#bad(why);
    }
    if (!this.#handler && (frame as Frame).kind === 'request') {
      this.#buffered.push(frame as Frame);
      return;
    }
    this.#dispatch(frame as Frame);
  }

  #dispatch(frame: Frame): void {
    switch (frame.kind) {
      case 'request':
        void this.#handleRequest(frame);
        return;
      case 'response': {
        const p = this.#pending.get(frame.id);
        if (!p) return;
        this.#pending.delete(frame.id);
        clearTimeout(p.timer);
        if (!frame.ok) return p.reject(new KcError(frame.error.code, 502, frame.error.message));
        const v = validators('server-responses', p.method);
        if (!v(frame.data)) return p.reject(Errors.validation(`answer to ${p.method}: ${explain(v)}`));
        p.resolve(frame.data);
        return;
      }
      case 'notification':
        // Clients send no notifications today; ignore rather than fail, for forward compatibility.
        return;
    }
  }

  async #handleRequest(frame: Extract<Frame, { kind: 'request' }>): Promise<void> {
    const { id, method, data } = frame;
    try {
      if (!(CLIENT_METHODS as readonly string[]).includes(method)) throw Errors.validation(`unknown method "${method}"`);
      const v = validators('client-requests', method);
      if (!v(data)) throw Errors.validation(`${method}: ${explain(v)}`);
      const result = await this.#handler!({ method, data } as ClientRequest);
      this.#checkOutgoing('client-responses', method, result);
      this.#send({ kind: 'response', id, ok: true, data: result as unknown as Record<string, unknown> });
    } catch (err) {
      const e = err instanceof KcError ? err : Errors.unavailable((err as Error).message);
      if (!(err instanceof KcError)) this.#logger.warn(`${method} failed: ${(err as Error).stack ?? String(err)}`);
      this.#send({ kind: 'response', id, ok: false, error: { code: e.code, message: e.message } });
    }
  }
}

/** The id of a frame that claims to be a request (kind "request", an id ≥ 0), or null. */
function requestId(frame: unknown): number | null {
  if (!frame || typeof frame !== 'object') return null;
  const { kind, id } = frame as { kind?: unknown; id?: unknown };
  return kind === 'request' && Number.isSafeInteger(id) && (id as number) >= 0 ? (id as number) : null;
}
