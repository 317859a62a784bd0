/**
 * Issue 11.7 (and 10.5): SMS sign-in codes limited by phone AND by client, with backoff, and a
 * distinct answer when there were too many tries. A code is good only with the challenge of
 * the request that sent it: another device's wrong tries cannot void the driver's code.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';

const DRIVER = '198.51.100.10';
const ATTACKER = '203.0.113.66';

describe('party sign-in codes', () => {
  let t: TestCore;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
  });
  after(async () => {
    await t?.close();
  });

  const send = (phone: string, from: string) => t.call('POST', '/api/cities/harbin/party/code', { remoteAddress: from, body: { phone } });
  const signIn = (phone: string, code: string, challenge: string, from: string) =>
    t.call('POST', '/api/cities/harbin/party/session', { remoteAddress: from, body: { phone, code, challenge } });
  /** The newest code the phone received (the development SMS outbox, newest first). */
  const lastCode = async (phone: string) => {
    const outbox = await t.call('GET', `/api/admin/sms-outbox?to=${phone}`, { token: await t.staff('harbin', 'admin') });
    return /验证码为 (\d{6})/.exec(outbox.json().messages[0].text)![1]!;
  };
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  async function codeFor(phone: string, from: string) {
    const r = await send(phone, from);
    assert.equal(r.statusCode, 200, r.body);
    return { challenge: r.json().challenge as string, code: await lastCode(phone) };
  }

  test('victim-lock attempt: another client’s wrong codes, with its own challenge or a made-up one, leave the driver’s code working', async () => {
    const phone = '13900110001';
    const driver = await codeFor(phone, DRIVER);
    // The attacker asks for a code for the same phone (it goes to the driver's phone, not to the attacker) and guesses.
    const mine = await codeFor(phone, ATTACKER);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push((await signIn(phone, wrong(driver.code), mine.challenge, ATTACKER)).json().error.code);
    assert.deepEqual(answers, ['KC_OTP_INVALID', 'KC_OTP_INVALID', 'KC_OTP_INVALID', 'KC_OTP_INVALID', 'KC_OTP_TOO_MANY_TRIES', 'KC_OTP_TOO_MANY_TRIES']);
    for (let i = 0; i < 10; i++) {
      const forged = await signIn(phone, wrong(driver.code), `forged-challenge-${String(i).padStart(7, '0')}`, ATTACKER);
      assert.equal(forged.json().error.code, 'KC_OTP_INVALID');
    }
    // Without a challenge the request is not even a sign-in attempt.
    const bare = await t.call('POST', '/api/cities/harbin/party/session', { remoteAddress: ATTACKER, body: { phone, code: driver.code } });
    assert.equal(bare.statusCode, 400);

    const ok = await signIn(phone, driver.code, driver.challenge, DRIVER);
    assert.equal(ok.statusCode, 200, ok.body);
    // The attacker's own code, even right, is dead now.
    assert.equal((await signIn(phone, mine.code, mine.challenge, ATTACKER)).json().error.code, 'KC_OTP_TOO_MANY_TRIES');
  });

  test('too many tries: the code is void, the answer says so with a wait, and the wait for a new code doubles', async () => {
    const phone = '13900110002';
    const first = await codeFor(phone, DRIVER);
    const left: number[] = [];
    for (let i = 0; i < 4; i++) left.push((await signIn(phone, wrong(first.code), first.challenge, DRIVER)).json().error.details.triesLeft);
    assert.deepEqual(left, [4, 3, 2, 1]);
    const fifth = await signIn(phone, wrong(first.code), first.challenge, DRIVER);
    assert.equal(fifth.statusCode, 429);
    assert.equal(fifth.json().error.code, 'KC_OTP_TOO_MANY_TRIES');
    assert.equal(fifth.json().error.details.retryAfterSeconds, 60);
    assert.equal(fifth.headers['retry-after'], '60');
    // The right code no longer helps: the answer is still "too many tries", not "wrong code".
    const late = await signIn(phone, first.code, first.challenge, DRIVER);
    assert.equal(late.json().error.code, 'KC_OTP_TOO_MANY_TRIES');
    assert.equal(late.json().error.details.retryAfterSeconds, 60);

    const early = await send(phone, DRIVER);
    assert.equal(early.statusCode, 429);
    assert.equal(early.json().error.code, 'KC_OTP_TOO_MANY_TRIES');
    t.clock.advance(30_000);
    assert.equal((await send(phone, DRIVER)).json().error.details.retryAfterSeconds, 30);

    t.clock.advance(31_000);
    const second = await codeFor(phone, DRIVER);
    for (let i = 0; i < 4; i++) await signIn(phone, wrong(second.code), second.challenge, DRIVER);
    const again = await signIn(phone, wrong(second.code), second.challenge, DRIVER);
    assert.equal(again.json().error.details.retryAfterSeconds, 120, 'the second voided code doubles the wait');

    t.clock.advance(121_000);
    const third = await codeFor(phone, DRIVER);
    assert.equal((await signIn(phone, third.code, third.challenge, DRIVER)).statusCode, 200);
  });

  test('the wait is per client: another device may ask for a code for the same phone at once', async () => {
    const phone = '13900110003';
    const a = await codeFor(phone, ATTACKER);
    for (let i = 0; i < 5; i++) await signIn(phone, wrong(a.code), a.challenge, ATTACKER);
    assert.equal((await send(phone, ATTACKER)).json().error.code, 'KC_OTP_TOO_MANY_TRIES');
    const d = await codeFor(phone, DRIVER);
    assert.equal((await signIn(phone, d.code, d.challenge, DRIVER)).statusCode, 200);
  });

  test('sends: a client once a minute and 5 an hour per phone, so one other client cannot hold back the driver’s code; a phone 20 an hour', async () => {
    const phone = '13900110004';
    await codeFor(phone, ATTACKER);
    const soon = await send(phone, ATTACKER);
    assert.equal(soon.json().error.code, 'KC_RATE_LIMITED');
    assert.equal(soon.json().error.details.retryAfterSeconds, 60);
    for (let i = 0; i < 4; i++) {
      t.clock.advance(61_000);
      await codeFor(phone, ATTACKER);
    }
    t.clock.advance(61_000);
    const sixth = await send(phone, ATTACKER);
    assert.equal(sixth.statusCode, 429);
    assert.equal(sixth.json().error.code, 'KC_RATE_LIMITED');
    assert.equal(sixth.json().error.details.retryAfterSeconds, 3600 - 5 * 61);
    const d = await codeFor(phone, DRIVER);
    assert.equal((await signIn(phone, d.code, d.challenge, DRIVER)).statusCode, 200, 'the driver is not held back');

    // The phone's ceiling: 20 codes an hour from all clients together (here 4 clients × 5, a minute apart).
    const phone2 = '13900110005';
    let sent = 0;
    for (let c = 1; sent < 20; c++) {
      for (let i = 0; i < 5 && sent < 20; i++, sent++) {
        assert.equal((await send(phone2, `192.0.2.${c}`)).statusCode, 200);
        t.clock.advance(61_000);
      }
    }
    const over = await send(phone2, '192.0.2.99');
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().error.code, 'KC_RATE_LIMITED');
    assert.match(over.json().error.message, /this phone/);
    assert.equal(over.json().error.details.retryAfterSeconds, 3600 - 20 * 61, 'until the oldest of the 20 leaves the hour');
    t.clock.advance(3600_000);
    const later = await send(phone2, '192.0.2.99');
    assert.equal(later.statusCode, 200, later.body);
  });

  test('an expired code, or a challenge for another phone, is refused as invalid', async () => {
    const phone = '13900110006';
    const c = await codeFor(phone, DRIVER);
    assert.equal((await signIn('13900110007', c.code, c.challenge, DRIVER)).json().error.code, 'KC_OTP_INVALID');
    t.clock.advance(5 * 60_000 + 1);
    const r = await signIn(phone, c.code, c.challenge, DRIVER);
    assert.equal(r.statusCode, 401);
    assert.match(r.json().error.message, /expired/);
  });
});
