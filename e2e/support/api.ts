/**
 * What a test does behind the screens, over the same HTTP API: set the server's clock, read
 * the development SMS outbox (as the admin page would), sign staff in with a bearer token.
 * Screens are always driven through the browser; this is for setting the scene and checking.
 */
import { DEMO_PASSWORD } from './server.ts';

export class Api {
  constructor(readonly baseUrl: string) {}

  async call<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    return data as T;
  }

  /** Sets the server's clock (a local time needs its offset: Harbin 10:00 is `…T10:00:00+08:00`). */
  async setClock(at: string): Promise<string> {
    return (await this.call<{ now: string }>('PUT', '/api/test/clock', { at })).now;
  }

  async advanceClock(seconds: number): Promise<string> {
    return (await this.call<{ now: string }>('PUT', '/api/test/clock', { advanceSeconds: seconds })).now;
  }

  readonly #tokens = new Map<string, Promise<string>>();

  /**
   * A bearer token for a demo staff member (seat-<brigade>, officer, analyst, admin), kept for
   * reuse: sign-in is rate limited (10 a minute), and a test signs the admin in for every code.
   */
  async staffToken(tenant: string, username: string, fresh = false): Promise<string> {
    const key = `${tenant}/${username}`;
    if (fresh || !this.#tokens.has(key)) {
      const login = this.call<{ token: string }>('POST', '/api/auth/login', { tenant, username, password: DEMO_PASSWORD }).then((r) => r.token);
      login.catch(() => this.#tokens.delete(key));
      this.#tokens.set(key, login);
    }
    return this.#tokens.get(key)!;
  }

  /** A call as a staff member; signs in again once when the kept session ended (the clock moved past it). */
  async asStaff<T = any>(tenant: string, username: string, method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await this.call<T>(method, path, body, await this.staffToken(tenant, username));
    } catch (err) {
      if (!/→ 401 /.test(String(err))) throw err;
      return this.call<T>(method, path, body, await this.staffToken(tenant, username, true));
    }
  }

  /** The newest sign-in code the development SMS driver "sent" to this phone. */
  async smsCode(tenant: string, phone: string): Promise<string> {
    const { messages } = await this.asStaff<{ messages: Array<{ text: string; kind: string }> }>(tenant, 'admin', 'GET', `/api/admin/sms-outbox?to=${phone}`);
    // Only sign-in messages: a determination notice also holds six digits (HRB-2026-000001).
    for (const m of messages.filter((x) => x.kind === 'otp')) {
      const code = /(\d{6})/.exec(m.text)?.[1];
      if (code) return code;
    }
    throw new Error(`no code was sent to ${phone}`);
  }
}
