/**
 * A local WeChat server API for the contract test, answering as WeChat documents it: errors
 * as HTTP 200 { errcode, errmsg } (with a "rid"), JSON sometimes labelled text/plain.
 *   GET  /sns/jscode2session — a wx.login code works once (40163 after), for 5 minutes; unknown: 40029
 *   POST /cgi-bin/stable_token — the access token; invalidate() makes the next use answer 40001
 *   POST /wxa/business/getuserphonenumber?access_token= — a getPhoneNumber code → phone_info with the watermark
 * A minute quota per API answers 45011; queued faults answer -1 (busy), time out or drop the connection.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault = 'busy' | 'timeout' | 'drop';

export class FakeWechat {
  readonly calls: Record<string, number> = {};
  readonly faults: Fault[] = [];
  /** Calls allowed per API per minute before 45011. */
  minuteQuota = 100;
  /** The app the phone_info watermark names (another app's number when set to another id). */
  watermarkAppId: string | undefined;
  private readonly codes = new Map<string, { openid: string; unionid?: string; issuedAt: number; used: boolean }>();
  private readonly phoneCodes = new Map<string, { phone: string; used: boolean }>();
  private readonly recent: Record<string, number[]> = {};
  private accessToken = '';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(readonly appId: string, readonly appSecret: string) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What wx.login() gives the mini-program. */
  loginCode(openid: string, unionid?: string): string {
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { openid, ...(unionid ? { unionid } : {}), issuedAt: Date.now(), used: false });
    return code;
  }

  /** What the getPhoneNumber button gives the mini-program. */
  phoneCode(phone: string): string {
    const code = randomBytes(24).toString('hex');
    this.phoneCodes.set(code, { phone, used: false });
    return code;
  }

  /** The current access token stops working (expired or refreshed elsewhere). */
  invalidateToken(): void {
    this.accessToken = `stale-${this.accessToken}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://wechat.local');
    const api = url.pathname;
    this.calls[api] = (this.calls[api] ?? 0) + 1;
    const fault = this.faults.shift();
    if (fault === 'timeout') return;
    if (fault === 'drop') return void req.socket.destroy();
    const err = (errcode: number, errmsg: string) => this.reply(res, { errcode, errmsg: `${errmsg} rid: ${randomBytes(6).toString('hex')}` });
    if (fault === 'busy') return err(-1, 'system error');
    const now = Date.now();
    const window = (this.recent[api] ??= []).filter((t) => now - t < 60_000);
    this.recent[api] = window;
    if (window.length >= this.minuteQuota) return err(45011, 'api minute-quota reach limit  mustslower  retry next minute');
    window.push(now);

    if (api === '/sns/jscode2session' && req.method === 'GET') {
      const q = url.searchParams;
      if (q.get('grant_type') !== 'authorization_code') return err(40002, 'invalid grant_type');
      if (q.get('appid') !== this.appId) return err(40013, 'invalid appid');
      if (q.get('secret') !== this.appSecret) return err(40125, 'invalid appsecret');
      const c = this.codes.get(q.get('js_code') ?? '');
      if (!c || now - c.issuedAt > 5 * 60_000) return err(40029, 'invalid code');
      if (c.used) return err(40163, 'code been used');
      c.used = true;
      return this.reply(res, { session_key: randomBytes(16).toString('base64'), openid: c.openid, ...(c.unionid ? { unionid: c.unionid } : {}) }, 'text/plain');
    }
    if (api === '/cgi-bin/stable_token' && req.method === 'POST') {
      const b = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      if (b.grant_type !== 'client_credential') return err(40002, 'invalid grant_type');
      if (b.appid !== this.appId) return err(40013, 'invalid appid');
      if (b.secret !== this.appSecret) return err(40125, 'invalid appsecret');
      if (!this.accessToken || this.accessToken.startsWith('stale-') || b.force_refresh === true) this.accessToken = randomBytes(32).toString('base64url');
      return this.reply(res, { access_token: this.accessToken, expires_in: 7200 });
    }
    if (api === '/wxa/business/getuserphonenumber' && req.method === 'POST') {
      if (url.searchParams.get('access_token') !== this.accessToken) return err(40001, 'invalid credential, access_token is invalid or not latest');
      const b = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { code?: string };
      const p = this.phoneCodes.get(b.code ?? '');
      if (!p || p.used) return err(40029, 'invalid code');
      p.used = true;
      return this.reply(res, { errcode: 0, errmsg: 'ok', phone_info: { phoneNumber: p.phone, purePhoneNumber: p.phone, countryCode: '86', watermark: { timestamp: Math.floor(now / 1000), appid: this.watermarkAppId ?? this.appId } } });
    }
    return err(40066, 'invalid url');
  }

  private reply(res: ServerResponse, body: object, type = 'application/json; charset=UTF-8'): void {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}
