/**
 * The simulator's side of the API: plain HTTP with fetch, as the apps would call it. Sessions
 * expire on the server's clock (simulated time); each is kept with its expiry, taken as the
 * lifetime the server tells (expiresInSeconds) from the simulated now, and signing in again
 * happens when the simulated clock has passed it. A 429 (rate limit of a real
 * server) is waited out and retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly body: unknown) {
    super(message);
  }
}

export interface Session {
  token: string;
  expiresAt: number;
}

export class Api {
  requests = 0;
  /** Time spent per route (method and path with ids replaced), for the speed report. */
  readonly timings = new Map<string, { n: number; ms: number }>();
  readonly #staff = new Map<string, Session>();

  constructor(readonly baseUrl: string, private readonly password: string, private readonly now: () => number) {}

  async request<T = unknown>(method: string, url: string, opts: { token?: string; body?: unknown; form?: FormData } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.requests++;
      const headers: Record<string, string> = {};
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const t0 = performance.now();
      const r = await fetch(this.baseUrl + url, { method, headers, body: opts.form ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined) });
      const text = await r.text();
      const route = `${method} ${url.split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id').replace(/\/cities\/[a-z]+\//, '/cities/:tenant/')}`;
      const t = this.timings.get(route) ?? { n: 0, ms: 0 };
      t.n++;
      t.ms += performance.now() - t0;
      this.timings.set(route, t);
      const body: unknown = text && r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
      if (r.status === 429 && attempt < 20) {
        await sleep(1000 * Math.max(1, Number(r.headers.get('retry-after') ?? 5)));
        continue;
      }
      if (r.status >= 400) {
        const e = (body as { error?: { code?: string; message?: string } })?.error;
        throw new ApiError(r.status, e?.code ?? `HTTP_${r.status}`, `${method} ${url}: ${r.status} ${e?.code ?? ''} ${e?.message ?? text.slice(0, 200)}`, body);
      }
      return body as T;
    }
  }

  /** A staff member's token (signed in again when the session has expired on the server's clock). */
  async staff(tenant: string, username: string): Promise<string> {
    const key = `${tenant}/${username}`;
    const s = this.#staff.get(key);
    if (s && s.expiresAt > this.now() + 60_000) return s.token;
    const r = await this.request<{ token: string; expiresInSeconds: number }>('POST', '/api/auth/login', { body: { tenant, username, password: this.password } });
    this.#staff.set(key, { token: r.token, expiresAt: this.now() + r.expiresInSeconds * 1000 });
    return r.token;
  }

  /** A party signs in with the SMS code, read from the development outbox by the admin. */
  async party(tenant: string, phone: string): Promise<Session> {
    const { challenge } = await this.request<{ challenge: string }>('POST', `/api/cities/${tenant}/party/code`, { body: { phone } });
    const outbox = await this.request<{ messages: Array<{ text: string }> }>('GET', `/api/admin/sms-outbox?to=${phone}`, { token: await this.staff(tenant, 'admin') });
    const code = outbox.messages.map((m) => /验证码为 (\d{6})/.exec(m.text)?.[1]).find(Boolean);
    if (!code) throw new Error(`no sign-in code for ${phone} in the SMS outbox (is the city's sms plugin sms-dev?)`);
    const r = await this.request<{ token: string; expiresInSeconds: number }>('POST', `/api/cities/${tenant}/party/session`, { body: { phone, code, challenge } });
    return { token: r.token, expiresAt: this.now() + r.expiresInSeconds * 1000 };
  }

  /** A file upload as the seat console sends it: the checklist item first, then the file. */
  async upload(caseId: string, token: string, item: string, bytes: Uint8Array, type: string, name: string): Promise<{ sha256: string }> {
    const form = new FormData();
    form.append('item', item);
    form.append('file', new Blob([bytes], { type }), name);
    return this.request('POST', `/api/cases/${caseId}/evidence/file`, { token, form });
  }
}
