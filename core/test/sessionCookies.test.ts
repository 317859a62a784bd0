/**
 * Issue 10's time bomb: a session cookie sent with an absolute `Expires` from the server's clock
 * is judged by the browser against its own clock, so with a manual (or merely skewed) server
 * clock the browser drops it and nobody stays signed in. Every sign-in (staff password, party SMS
 * code, channel token) and the logout must therefore carry a lifetime (Max-Age) and never a date,
 * and every lifetime a client reads (code, session) comes as seconds. The server's clock is set a
 * year before and a year after the wall clock, so this holds on any date.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { issueChannelToken } from '@kuaichu/plugin-channel-wechat';
import { DEMO_PASSWORD, startTestCore, type TestCore } from '@kuaichu/testkit/core';

const YEAR_MS = 365 * 24 * 3600_000;
const STAFF_SECONDS = 12 * 3600;
const PARTY_SECONDS = 24 * 3600;

/** The Set-Cookie headers of an answer, as a list. */
function setCookies(r: LightMyRequestResponse): string[] {
  const h = r.headers['set-cookie'];
  return h === undefined ? [] : Array.isArray(h) ? h : [String(h)];
}

/** The one session cookie of an answer: no Expires attribute, and its Max-Age in seconds. */
function sessionCookie(r: LightMyRequestResponse): { value: string; maxAge: number } {
  const cookies = setCookies(r);
  assert.equal(cookies.length, 1, `one Set-Cookie expected: ${JSON.stringify(cookies)}`);
  const c = cookies[0]!;
  assert.doesNotMatch(c, /expires=/i, `an absolute expiry the browser would judge by its own clock: ${c}`);
  const maxAge = /;\s*Max-Age=(\d+)/i.exec(c)?.[1];
  assert.ok(maxAge !== undefined, `no Max-Age: ${c}`);
  return { value: c.split(';')[0]!.split('=').slice(1).join('='), maxAge: Number(maxAge) };
}

for (const [label, offset] of [['a year before', -YEAR_MS], ['a year after', YEAR_MS]] as const) {
  describe(`sign-in cookies with the server clock ${label} the wall clock`, () => {
    let t: TestCore;
    before(async () => {
      t = await startTestCore({ kind: 'pglite' }, new Date(Date.now() + offset).toISOString());
    });
    after(() => t.close());

    test('staff password: Max-Age of the staff session, no Expires; the answer says the same in seconds', async () => {
      const r = await t.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: 'seat-daoli', password: DEMO_PASSWORD } });
      assert.equal(r.statusCode, 200, r.body);
      const c = sessionCookie(r);
      assert.equal(c.value, r.json().token);
      assert.equal(c.maxAge, STAFF_SECONDS);
      assert.equal(r.json().expiresInSeconds, STAFF_SECONDS);
      assert.equal(Date.parse(r.json().expiresAt), t.clock.now().getTime() + STAFF_SECONDS * 1000, 'expiresAt stays the server-clock time');

      // The cookie alone signs in, and /api/me tells the time left in seconds, on the server's clock.
      t.clock.advance(3600_000);
      const me = await t.call('GET', '/api/me', { headers: { cookie: `kc_session=${c.value}` } });
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().expiresInSeconds, STAFF_SECONDS - 3600);
    });

    test('party SMS code: the code lifetime in seconds, then a Max-Age party session', async () => {
      const phone = offset < 0 ? '13600000101' : '13600000102';
      const sent = await t.call('POST', '/api/cities/harbin/party/code', { body: { phone } });
      assert.equal(sent.statusCode, 200, sent.body);
      assert.equal(sent.json().expiresInSeconds, 300, 'what the app shows (5 分钟内有效), independent of the phone clock');
      assert.equal(setCookies(sent).length, 0);
      const outbox = await t.call('GET', `/api/admin/sms-outbox?to=${phone}`, { token: await t.staff('harbin', 'admin') });
      const code = /验证码为 (\d{6})/.exec(outbox.json().messages[0].text)?.[1];
      assert.ok(code, outbox.body);
      const r = await t.call('POST', '/api/cities/harbin/party/session', { body: { phone, code, challenge: sent.json().challenge } });
      assert.equal(r.statusCode, 200, r.body);
      const c = sessionCookie(r);
      assert.equal(c.maxAge, PARTY_SECONDS);
      assert.equal(r.json().expiresInSeconds, PARTY_SECONDS);
    });

    test('channel token: a Max-Age party session', async () => {
      const token = issueChannelToken({ tenant: 'nantong', phone: '13600000103', sub: `openid-clock-${offset}` }, t.env.KUAICHU_NANTONG_WECHAT_SECRET!, { now: t.clock.now() });
      const r = await t.call('POST', '/api/cities/nantong/party/channel-session', { body: { token } });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(sessionCookie(r).maxAge, PARTY_SECONDS);
    });

    test('logout clears the cookie with Max-Age=0, not a date in 1970', async () => {
      const login = await t.call('POST', '/api/auth/login', { body: { tenant: 'harbin', username: 'officer', password: DEMO_PASSWORD } });
      const { value } = sessionCookie(login);
      const out = await t.call('POST', '/api/auth/logout', { headers: { cookie: `kc_session=${value}`, 'x-csrf-token': login.json().csrf } });
      assert.equal(out.statusCode, 200, out.body);
      const c = sessionCookie(out);
      assert.equal(c.maxAge, 0);
      assert.equal(c.value, '');
      assert.equal((await t.call('GET', '/api/me', { headers: { cookie: `kc_session=${value}` } })).statusCode, 401, 'the session ended on the server too');
    });
  });
}
