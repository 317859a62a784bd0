// A signalling client for Node tests, over fastify's injectWS (no port, no media): enough to join a
// case's room, make requests and watch notifications and the close code.
import type { FastifyInstance } from 'fastify';
import { until } from '@kuaichu/testkit/until';
import type { ClientMethod, MediaClientRequests, MediaClientResponses } from '../../src/signaling/messages.ts';

type Ws = {
  on(event: 'message', l: (data: Buffer) => void): void;
  on(event: 'close', l: (code: number, reason: Buffer) => void): void;
  send(data: string): void;
  close(code?: number): void;
  terminate(): void;
};

export interface Note {
  method: string;
  data: Record<string, unknown>;
}

export class TestSignaling {
  readonly notes: Note[] = [];
  readonly serverRequests: Note[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #ws!: Ws;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (d: unknown) => void; reject: (e: Error & { code?: string }) => void }>();
  readonly #waiters: Array<{ match: (n: Note) => boolean; resolve: (n: Note) => void }> = [];
  #closeInfo: { code: number; reason: string } | null = null;
  #onClose!: (c: { code: number; reason: string }) => void;

  /** Answer the server's newConsumer requests as taken (the consumers stay), instead of refusing them. */
  takeConsumers = false;

  private constructor() {
    this.closed = new Promise((r) => (this.#onClose = r));
  }

  static async connect(app: FastifyInstance, caseId: string, token?: string, headers: Record<string, string> = {}): Promise<TestSignaling> {
    const s = new TestSignaling();
    await app.injectWS(`/api/cases/${caseId}/media`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } }, {
      onInit: (ws: unknown) => s.#attach(ws as Ws),
    });
    return s;
  }

  get closeInfo(): { code: number; reason: string } | null {
    return this.#closeInfo;
  }

  #attach(ws: Ws): void {
    this.#ws = ws;
    ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString()) as { kind: string; id: number; ok?: boolean; method: string; data: Record<string, unknown>; error?: { code: string; message: string } };
      if (f.kind === 'response') {
        const p = this.#pending.get(f.id);
        this.#pending.delete(f.id);
        if (f.ok) p?.resolve(f.data);
        else p?.reject(Object.assign(new Error(f.error!.message), { code: f.error!.code }));
      } else if (f.kind === 'request') {
        this.serverRequests.push({ method: f.method, data: f.data });
        // A client without media cannot take consumers: refuse, as a page without a recv transport would
        // (unless a test wants the server to keep them: takeConsumers, for the workers' load in /metrics).
        if (this.takeConsumers && f.method === 'newConsumer') ws.send(JSON.stringify({ kind: 'response', id: f.id, ok: true, data: {} }));
        else ws.send(JSON.stringify({ kind: 'response', id: f.id, ok: false, error: { code: 'KC_CLIENT', message: 'test client takes no media' } }));
      } else if (f.kind === 'notification') {
        const n = { method: f.method, data: f.data };
        this.notes.push(n);
        for (const w of [...this.#waiters]) if (w.match(n)) (this.#waiters.splice(this.#waiters.indexOf(w), 1), w.resolve(n));
      }
    });
    ws.on('close', (code, reason) => {
      this.#closeInfo = { code, reason: reason.toString() };
      for (const p of this.#pending.values()) p.reject(Object.assign(new Error('closed'), { code: `WS_${code}` }));
      this.#pending.clear();
      this.#onClose(this.#closeInfo);
    });
  }

  request<M extends ClientMethod>(method: M, data: MediaClientRequests[M]): Promise<MediaClientResponses[M]> {
    return this.raw(method, data) as Promise<MediaClientResponses[M]>;
  }

  /** Any frame's method and data, checked by nobody here (to test the server's checks). */
  raw(method: string, data: unknown): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify({ kind: 'request', id, method, data }));
    });
  }

  sendText(text: string): void {
    this.#ws.send(text);
  }

  next(method: string, match: (data: Record<string, unknown>) => boolean = () => true, timeoutMs = 5000): Promise<Note> {
    const m = (n: Note) => n.method === method && match(n.data);
    const seen = this.notes.find(m);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} notification; got ${this.notes.map((n) => n.method).join(', ') || 'none'}`)), timeoutMs);
      this.#waiters.push({ match: m, resolve: (n) => (clearTimeout(timer), resolve(n)) });
    });
  }

  /** Loads nothing: a fake device's capabilities are enough to join. */
  async join(): Promise<MediaClientResponses['join']> {
    const { rtpCapabilities } = await this.request('getRouterRtpCapabilities', {});
    return this.request('join', { rtpCapabilities, device: 'node test' });
  }

  /** Drops the connection without a close handshake (a phone losing its network). */
  kill(): void {
    this.#ws.terminate();
  }

  close(): void {
    this.#ws.close(1000);
  }
}

/** Waits until `check` returns a value (not undefined/false): a condition, never a fixed pause (@kuaichu/testkit/until). */
export function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, label: string): Promise<T> {
  return until(check, label);
}
