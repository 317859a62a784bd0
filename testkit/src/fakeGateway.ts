/**
 * What the SMS gateways' local counterparts share (the sms-aliyun and sms-tencent contract
 * tests): an HTTP server on 127.0.0.1 that counts every request, can go down and come back on
 * the same port, and plays the faults a test queues — no answer (the client times out), a
 * connection dropped before the request is handled, the vendor's 5xx, or a connection dropped
 * after the request was handled (the gateway took the message; its answer was lost). `now` is
 * the gateway's clock for its rate limits: a test may give it the core's manual clock. And the
 * adapters' tests' helpers: a plugin context that keeps its log lines, the refusal a send must meet.
 */
import assert from 'node:assert/strict';
import type { PluginContext } from '@kuaichu/core/ports';
import { SmsSendError } from '@kuaichu/core/sms';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type GatewayFault = 'timeout' | 'drop' | 'http5xx' | 'dropAfterHandling';

export interface GatewayAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** A JSON answer with its length. */
export function jsonAnswer(status: number, body: object, headers: Record<string, string> = {}): GatewayAnswer {
  const text = JSON.stringify(body);
  return { status, body: text, headers: { 'content-type': 'application/json;charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers } };
}

export abstract class FakeGateway {
  /** Every request that reached the server, whatever became of it. */
  requests = 0;
  readonly faults: GatewayFault[] = [];
  now: () => number = Date.now;
  /**
   * false: every answer says Connection: close, so clients keep no pooled connection. A test of
   * an outage wants that: a pooled connection the gateway closed can be reset under the next
   * request, which a client cannot tell from a cut after sending ("maybe sent").
   */
  keepAlive = true;
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  /** The vendor's answer to one request. */
  protected abstract answer(req: IncomingMessage, body: Buffer): GatewayAnswer;
  /** The vendor's answer while it is failing (5xx). */
  protected abstract unavailable(): GatewayAnswer;

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => void this.serve(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /**
   * Down: the port refuses connections until start(this.port) again. Open connections are
   * closed the way a server going away closes them (FIN), and stop() resolves once each client
   * has hung up too: a client's pooled keep-alive connection is gone by then, so its next
   * request meets a refused connection, not a reset one (which would mean "maybe sent").
   */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    const hungUp = [...this.sockets].map((sock) => new Promise<void>((resolve) => {
      sock.once('close', () => resolve());
      sock.end();
    }));
    s.close();
    await Promise.all(hungUp);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.requests++;
    const fault = this.faults.shift();
    if (fault === 'timeout') return;
    if (fault === 'drop') return void req.socket.destroy();
    const a = fault === 'http5xx' ? this.unavailable() : this.answer(req, Buffer.concat(chunks));
    if (fault === 'dropAfterHandling') return void req.socket.destroy();
    res.writeHead(a.status, this.keepAlive ? a.headers : { ...a.headers, connection: 'close' });
    res.end(a.body);
  }
}

/** A plugin context for the gateway adapters' tests that keeps every log line (to check what they carry). */
export function loggingContext(tenant: string, env: Record<string, string | undefined>): { ctx: PluginContext; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const ctx: PluginContext = { tenant, env, log: { info: (o, m) => void lines.push({ ...o, m }), warn: (o, m) => void lines.push({ ...o, m }) } };
  return { ctx, lines };
}

/** The SmsSendError a send must fail with. */
export async function refusal(p: Promise<unknown>): Promise<SmsSendError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SmsSendError, `expected an SmsSendError, got ${String(e)}`);
    return e;
  }
  assert.fail('the send was expected to fail');
}
