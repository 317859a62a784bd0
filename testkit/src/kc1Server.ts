/**
 * A local stand-in for a counterpart that takes KC1-signed requests (registry gateway, dispatch
 * desk, 12123): it checks every signature exactly as docs/integrations.md describes — written
 * here from the description with node:crypto, not with the adapter's own signing code — refuses
 * replayed nonces and stale timestamps with 401, and answers as the test scripts it: a JSON
 * answer with any status, a hang (no answer: the client times out) or a dropped connection.
 * Used by the registry-http, dispatch-http and progress-12123 contract tests (wait with
 * @kuaichu/testkit/until).
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Seen {
  method: string;
  path: string;
  body: unknown;
  raw: string;
  headers: IncomingMessage['headers'];
  /** Why the signature was refused, or null when it was right. */
  refused: string | null;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang' | 'drop';

export interface Kc1Server {
  url: string;
  seen: Seen[];
  /** Only the requests whose signature was right. */
  accepted(): Seen[];
  reply: (req: Seen) => Reply;
  close(): Promise<void>;
}

export async function startKc1Server(keys: Record<string, string>, reply: (req: Seen) => Reply = () => ({ status: 200, body: {} })): Promise<Kc1Server> {
  const nonces = new Set<string>();
  const sockets = new Set<Socket>();
  const seen: Seen[] = [];
  const state = { reply };
  const check = (req: IncomingMessage, raw: string): string | null => {
    const h = (n: string) => req.headers[n] as string | undefined;
    const keyId = h('x-kc-key-id'), ts = h('x-kc-timestamp'), nonce = h('x-kc-nonce'), sig = h('x-kc-signature'), bodyHash = h('x-kc-content-sha256');
    if (!keyId || !ts || !nonce || !sig || !bodyHash) return 'missing headers';
    const secret = keys[keyId];
    if (!secret) return `unknown key ${keyId}`;
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return 'stale timestamp';
    const actual = createHash('sha256').update(raw).digest('hex');
    if (actual !== bodyHash) return 'body hash';
    const expected = createHmac('sha256', secret).update(`KC1-HMAC-SHA256\n${req.method}\n${req.url}\n${ts}\n${nonce}\n${actual}`).digest('hex');
    if (expected !== sig) return 'bad signature';
    if (nonces.has(nonce)) return 'replayed nonce';
    nonces.add(nonce);
    return null;
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const s: Seen = { method: req.method!, path: req.url!, body, raw, headers: req.headers, refused: check(req, raw) };
      seen.push(s);
      if (s.refused) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'SIGNATURE_INVALID', message: s.refused }));
        return;
      }
      const r = state.reply(s);
      if (r === 'hang') return;
      if (r === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) }).end(r.body === undefined ? '' : JSON.stringify(r.body));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    accepted: () => seen.filter((s) => !s.refused),
    get reply() {
      return state.reply;
    },
    set reply(fn) {
      state.reply = fn;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
