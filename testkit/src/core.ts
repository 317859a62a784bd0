/**
 * An in-process kuaichu for HTTP tests: the real app, plugins and SQL on PGlite (in memory)
 * or a real PostgreSQL, with a clock the test moves and no background timers. Every response
 * that has a schema is checked against it before it is sent (responseSchemas.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { ManualClock } from '@kuaichu/core/clock';
import { openPglite, openPostgres, type AppPlugin, type Db } from '@kuaichu/core/harness';
import { startCore, type Core } from '@kuaichu/core/server';
import type { MediaPlugin } from '@kuaichu/core/ports';
import { responseSchemaCheck } from './responseSchemas.ts';

export const DEMO_PASSWORD = 'demo-password-for-tests';

export interface TestCore {
  core: Core;
  clock: ManualClock;
  db: Db;
  env: NodeJS.ProcessEnv;
  /** JSON request with an optional bearer token, from 127.0.0.1 unless remoteAddress says otherwise. */
  call(method: string, url: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string>; remoteAddress?: string }): Promise<LightMyRequestResponse>;
  staff(tenant: string, username: string): Promise<string>;
  party(tenant: string, phone: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestCore(
  driver: { kind: 'pglite' } | { kind: 'postgres'; url: string },
  at = '2026-06-01T10:00:00+08:00',
  opts: { plugins?: readonly AppPlugin[]; media?: MediaPlugin; analytics?: boolean; env?: Readonly<Record<string, string>>; rateLimit?: boolean; logger?: object; citiesDir?: string } = {},
): Promise<TestCore> {
  const clock = new ManualClock(at);
  const db = driver.kind === 'pglite' ? await openPglite() : await openPostgres(driver.url);
  // chdb binds one data folder per process and tests start several cores in one: analytics is
  // off unless a test file asks for it (one such core per file; node:test runs files apart).
  const env = { ...process.env, KUAICHU_DEMO_PASSWORD: DEMO_PASSWORD, KUAICHU_NANTONG_WECHAT_SECRET: 'nantong-test-secret-0123456789abcdef', KUAICHU_ANALYTICS: opts.analytics ? 'on' : 'off', ...opts.env };
  const core = await startCore({ db, clock, dataDir: mkdtempSync(path.join(tmpdir(), 'kuaichu-data-')), tickMs: 0, env, publicUrl: 'https://kuaichu.test', rateLimit: opts.rateLimit ?? false, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.media ? { media: opts.media } : {}), ...(opts.citiesDir ? { citiesDir: opts.citiesDir } : {}), plugins: [responseSchemaCheck as AppPlugin, ...(opts.plugins ?? [])] });
  const call: TestCore['call'] = (method, url, opts = {}) =>
    core.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.headers ?? {}) },
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
      ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
    });
  const staffTokens = new Map<string, { token: string; expiresAt: number }>();
  const t: TestCore = {
    core, clock, db, env, call,
    async staff(tenant, username) {
      const key = `${tenant}/${username}`;
      const cached = staffTokens.get(key);
      // Sessions expire on the test's clock too: sign in again when the cached one has.
      if (!cached || cached.expiresAt <= clock.now().getTime()) {
        const r = await call('POST', '/api/auth/login', { body: { tenant, username, password: DEMO_PASSWORD } });
        if (r.statusCode !== 200) throw new Error(`login ${key}: ${r.statusCode} ${r.body}`);
        staffTokens.set(key, { token: r.json().token, expiresAt: Date.parse(r.json().expiresAt) });
      }
      return staffTokens.get(key)!.token;
    },
    async party(tenant, phone) {
      const sent = await call('POST', `/api/cities/${tenant}/party/code`, { body: { phone } });
      if (sent.statusCode !== 200) throw new Error(`code: ${sent.statusCode} ${sent.body}`);
      const outbox = await call('GET', `/api/admin/sms-outbox?to=${phone}`, { token: await t.staff(tenant, 'admin') });
      const code = /验证码为 (\d{6})/.exec(outbox.json().messages[0].text)?.[1];
      const r = await call('POST', `/api/cities/${tenant}/party/session`, { body: { phone, code, challenge: sent.json().challenge } });
      if (r.statusCode !== 200) throw new Error(`party session: ${r.statusCode} ${r.body}`);
      return r.json().token;
    },
    async close() {
      await core.close();
      await db.close();
    },
  };
  return t;
}

/** A multipart/form-data body with fields first, then one file. */
export function multipart(fields: Record<string, string>, file: { name: string; bytes: Uint8Array; type: string }): { body: Buffer; headers: Record<string, string> } {
  const boundary = `----kuaichu${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), Buffer.from(file.bytes), Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
