/**
 * librdkafka 2.0.2's mock cluster (Debian 12) answers Metadata with controller id 0, a broker
 * that does not exist (its brokers are 1 … n). kafkajs sends the idempotent producer's
 * InitProducerId to the controller, so against the mock it would never start. This socket
 * factory, for tests only, rewrites that one field of Metadata responses to the first listed
 * broker — what a real cluster reports — and leaves every other byte alone.
 */
import net from 'node:net';
import type { ISocketFactory } from 'kafkajs';

const METADATA = 3;

export function mockControllerFix(): ISocketFactory {
  return ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    /** correlation id → Metadata request version */
    const pending = new Map<number, number>();

    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      const b = Buffer.isBuffer(chunk) ? chunk : null; // kafkajs writes one whole request per call
      if (b && b.length >= 12 && b.readInt16BE(4) === METADATA) pending.set(b.readInt32BE(8), b.readInt16BE(6));
      return write(chunk, ...rest);
    }) as typeof socket.write;

    const on = socket.on.bind(socket) as (event: string, listener: (...args: unknown[]) => void) => net.Socket;
    socket.on = ((event: string, listener: (...args: unknown[]) => void) => {
      if (event !== 'data') return on(event, listener);
      let held = Buffer.alloc(0);
      return on('data', (data: unknown) => {
        held = Buffer.concat([held, data as Buffer]);
        let end = 0;
        while (held.length - end >= 4 && held.length - end >= 4 + held.readInt32BE(end)) {
          const size = held.readInt32BE(end);
          const version = pending.get(held.readInt32BE(end + 4));
          if (version !== undefined) {
            pending.delete(held.readInt32BE(end + 4));
            fixController(held.subarray(end + 8, end + 4 + size), version);
          }
          end += 4 + size;
        }
        if (end === 0) return;
        const out = held.subarray(0, end);
        held = held.subarray(end);
        listener(out);
      });
    }) as typeof socket.on;
    return socket;
  };
}

/** Metadata response body (non-flexible versions 1–8, which kafkajs uses). */
function fixController(body: Buffer, version: number): void {
  if (version < 1) return;
  let at = version >= 3 ? 4 : 0; // throttle_time_ms
  const brokers = body.readInt32BE(at);
  at += 4;
  const ids: number[] = [];
  for (let i = 0; i < brokers; i++) {
    ids.push(body.readInt32BE(at));
    at += 4;
    at += 2 + Math.max(0, body.readInt16BE(at)); // host
    at += 4; // port
    at += 2 + Math.max(0, body.readInt16BE(at)); // rack (nullable)
  }
  if (version >= 2) at += 2 + Math.max(0, body.readInt16BE(at)); // cluster_id (nullable)
  const controller = body.readInt32BE(at);
  if (ids.length && !ids.includes(controller)) body.writeInt32BE(ids[0]!, at);
}
