// The browser end of a case's signalling socket: requests with ids and a timeout, answers to the
// server's requests, notifications. Message shapes are the generated types of schemas/signaling/.
import type {
  MediaClientRequests,
  MediaClientResponses,
  MediaNotifications,
  MediaServerRequests,
  MediaServerResponses,
} from '@kuaichu/core/generated/types.ts';
import type { ClientMethod, NotificationMethod, ServerMethod } from '../signaling/messages.ts';
import { Emitter } from './emitter.ts';

export type { ClientMethod, NotificationMethod, ServerMethod };
export type Notification = { [M in NotificationMethod]: { method: M; data: MediaNotifications[M] } }[NotificationMethod];
export type ServerRequest = { [M in ServerMethod]: { method: M; data: MediaServerRequests[M] } }[ServerMethod];

/** A request the server refused (code as in the HTTP API: KC_VALIDATION, KC_FORBIDDEN …). */
export class SignalingError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'SignalingError';
  }
}

type SignalingEvents = {
  notification: [Notification];
  close: [code: number, reason: string];
};

type Frame =
  | { kind: 'request'; id: number; method: string; data: Record<string, unknown> }
  | { kind: 'response'; id: number; ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } }
  | { kind: 'notification'; method: string; data: Record<string, unknown> };

export class Signaling extends Emitter<SignalingEvents> {
  readonly #ws: WebSocket;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, { resolve: (d: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  #handler: ((r: ServerRequest) => Promise<MediaServerResponses[ServerMethod]>) | null = null;
  #nextId = 1;
  #closed: { code: number; reason: string } | null = null;

  /** Opens the socket; rejects with the close code if the server refuses it (4401, 4404, 4409 …). */
  static open(url: string, timeoutMs = 10_000): Promise<Signaling> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const s = new Signaling(ws, timeoutMs);
      const fail = (code: number, reason: string) => reject(new SignalingError(`WS_${code}`, `the media socket closed (${code}${reason ? ` ${reason}` : ''})`));
      const offClose = s.on('close', fail);
      ws.addEventListener('open', () => {
        offClose();
        resolve(s);
      }, { once: true });
    });
  }

  private constructor(ws: WebSocket, timeoutMs: number) {
    super();
    this.#ws = ws;
    this.#timeoutMs = timeoutMs;
    ws.addEventListener('message', (e) => this.#onMessage(String(e.data)));
    ws.addEventListener('close', (e) => this.#onClose(e.code, e.reason));
  }

  get closed(): { code: number; reason: string } | null {
    return this.#closed;
  }

  /** Answers the server's requests (newConsumer). */
  serve(handler: (r: ServerRequest) => Promise<MediaServerResponses[ServerMethod]>): void {
    this.#handler = handler;
  }

  request<M extends ClientMethod>(method: M, data: MediaClientRequests[M]): Promise<MediaClientResponses[M]> {
    if (this.#closed) return Promise.reject(new SignalingError(`WS_${this.#closed.code}`, 'the media socket is closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SignalingError('TIMEOUT', `no answer to ${method}`));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve: resolve as (d: unknown) => void, reject, timer });
      this.#send({ kind: 'request', id, method, data: data as unknown as Record<string, unknown> });
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) this.#ws.close(code, reason);
  }

  #send(frame: Frame): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(frame));
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = { code, reason };
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SignalingError(`WS_${code}`, 'the media socket closed'));
    }
    this.#pending.clear();
    this.emit('close', code, reason);
  }

  #onMessage(text: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      return;
    }
    if (frame.kind === 'response') {
      const p = this.#pending.get(frame.id);
      if (!p) return;
      this.#pending.delete(frame.id);
      clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.data ?? {});
      else p.reject(new SignalingError(frame.error?.code ?? 'KC_UNKNOWN', frame.error?.message ?? 'refused'));
    } else if (frame.kind === 'notification') {
      this.emit('notification', { method: frame.method, data: frame.data } as unknown as Notification);
    } else if (frame.kind === 'request') {
      const { id, method, data } = frame;
      const handler = this.#handler;
      if (!handler) return this.#send({ kind: 'response', id, ok: false, error: { code: 'KC_UNAVAILABLE', message: 'not ready' } });
      handler({ method, data } as unknown as ServerRequest).then(
        (result) => this.#send({ kind: 'response', id, ok: true, data: result as unknown as Record<string, unknown> }),
        (err: Error) => this.#send({ kind: 'response', id, ok: false, error: { code: 'KC_CLIENT', message: err.message } }),
      );
    }
  }
}
