/**
 * A local insurer webhook receiver as docs/integrations.md#insurers tells insurers to build
 * one, written from that description with node:crypto (not with kuaichu's signing code): it
 * accepts a delivery when one of the listed signatures matches a key it knows and the
 * timestamp is within 5 minutes, takes each Idempotency-Key once (a repeat is answered 409
 * with the first claim number), and misbehaves as the test scripts it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Mode =
  | 'ok'
  | 'down' // 503
  | 'throttle' // 429
  | 'hang' // no answer
  | 'drop' // connection dropped before anything was taken
  | 'drop_after_taking' // takes the claim, then the connection drops (the answer is lost)
  | { refuse: number; code: string };

export interface Taken {
  key: string;
  claimNo: string;
  body: Record<string, unknown>;
  keyId: string;
}

export interface FakeInsurer {
  url: string;
  mode: Mode;
  /** Each idempotency key taken, once. */
  taken: Map<string, Taken>;
  /** Every request: whether its signature held, and the status answered. */
  requests: Array<{ key: string | undefined; signature: 'ok' | string; status: number | 'hang' | 'drop' }>;
  close(): Promise<void>;
}

export async function startInsurer(prefix: string, keys: Record<string, string>): Promise<FakeInsurer> {
  const sockets = new Set<Socket>();
  let seq = 0;
  const state: FakeInsurer = {
    url: '', mode: 'ok', taken: new Map(), requests: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const verify = (req: IncomingMessage, body: string): string => {
    const ts = req.headers['kuaichu-timestamp'] as string | undefined;
    const header = req.headers['kuaichu-signature'] as string | undefined;
    if (!ts || !header) return 'missing headers';
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return 'stale timestamp';
    for (const part of header.split(',')) {
      const [id, sig] = part.trim().split('=');
      const secret = id ? keys[id] : undefined;
      if (!secret || !sig) continue;
      const expected = Buffer.from(createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex'));
      if (expected.length === sig.length && timingSafeEqual(expected, Buffer.from(sig))) return `ok:${id}`;
    }
    return 'no valid signature';
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const key = req.headers['idempotency-key'] as string | undefined;
      const v = verify(req, body);
      const log = (status: number | 'hang' | 'drop') => state.requests.push({ key, signature: v.startsWith('ok:') ? 'ok' : v, status });
      const send = (status: number, json: object) => {
        log(status);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      if (!v.startsWith('ok:')) return send(401, { code: 'SIGNATURE_INVALID', message: v });
      const m = state.mode;
      if (m === 'down') return send(503, { code: 'MAINTENANCE' });
      if (m === 'throttle') return send(429, { code: 'TOO_MANY_REQUESTS' });
      if (m === 'hang') return log('hang');
      if (m === 'drop') {
        log('drop');
        return req.socket.destroy();
      }
      if (typeof m === 'object') return send(m.refuse, { code: m.code, message: '保单状态不符' });
      if (!key) return send(400, { code: 'IDEMPOTENCY_KEY_REQUIRED' });
      const first = state.taken.get(key);
      if (first) return send(409, { claimNo: first.claimNo, message: 'duplicate delivery' });
      const claimNo = `${prefix}-${String(++seq).padStart(6, '0')}`;
      state.taken.set(key, { key, claimNo, body: JSON.parse(body), keyId: v.slice(3) });
      if (m === 'drop_after_taking') {
        log('drop');
        return req.socket.destroy();
      }
      send(201, { claimNo });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/kuaichu`;
  return state;
}
