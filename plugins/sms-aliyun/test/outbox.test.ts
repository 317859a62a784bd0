/**
 * Through the core, on PGlite, against the local Dysmsapi: every SMS goes through the tenant's
 * outbox; while Aliyun is down (stopped, 5xx, throttled) nothing is lost, and after it comes back
 * each message reaches it exactly once (counted at the gateway); a sign-in code whose 5 minutes
 * ran out while the gateway was down is dropped, not sent late; a refusal for good is dead at
 * once and never tried again; a message the gateway may have taken is not resent by itself — the
 * receipt naming it settles it, or an admin sends it again; receipts are recorded per message.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@kuaichu/core/paths';
import { forTenant, sendDueSms } from '@kuaichu/core/harness';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { answer, DAOLI, seatReady } from '@kuaichu/testkit/cases';
import { recordHarbinChecklist } from '@kuaichu/testkit/harbinCase';
import { FakeAliyunSms } from './support/aliyunServer.ts';

const KEY_ID = 'LTAI5tHarbinSmsSender01';
const KEY_SECRET = 'harbin-aliyun-secret-0123456789abcdef';
const RECEIPT_TOKEN = 'harbin-receipt-token-0123456789abcdef0123';
const env = { HARBIN_SMS_KEY_ID: KEY_ID, HARBIN_SMS_KEY_SECRET: KEY_SECRET, HARBIN_SMS_RECEIPT_TOKEN: RECEIPT_TOKEN };
const T = { otp: 'SMS_200000001', evacuate: 'SMS_200000002', determination: 'SMS_200000003', escalation: 'SMS_200000004' };
const fake = new FakeAliyunSms({ [KEY_ID]: KEY_SECRET }, ['哈尔滨交警'], {
  [T.otp]: { params: ['code'] }, [T.evacuate]: { params: ['number'] }, [T.determination]: { params: ['number', 'docNo', 'code'] }, [T.escalation]: { params: ['number'] },
});

interface Msg { id: string; to: string; kind: string; text: string; status: string; attempts: number; lastError?: string; vendorId?: string; receipt?: { delivered: boolean; code: string } }

let t: TestCore;
before(async () => {
  await fake.start();
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-cities-'));
  cpSync(path.join(repoRoot, 'cities'), dir, { recursive: true });
  const file = path.join(dir, 'harbin.yaml');
  const yaml = readFileSync(file, 'utf8');
  const devLine = '  - { plugin: sms-dev, options: { signature: 【哈尔滨交警】 } }\n';
  assert.ok(yaml.includes(devLine));
  // Template variables by name only: core passes them with each message.
  writeFileSync(file, yaml.replace(devLine, `  - { plugin: sms-aliyun, options: { endpoint: "${fake.endpoint}", protocol: http, timeoutMs: 1000, accessKeyIdEnv: HARBIN_SMS_KEY_ID, accessKeySecretEnv: HARBIN_SMS_KEY_SECRET, receiptTokenEnv: HARBIN_SMS_RECEIPT_TOKEN, signName: 哈尔滨交警, templates: { otp: { templateCode: ${T.otp}, params: [{ name: code }] }, evacuate: { templateCode: ${T.evacuate} }, determination: { templateCode: ${T.determination}, params: [{ name: number }, { name: docNo }, { name: code }] }, escalation: { templateCode: ${T.escalation} } } } }\n`));
  t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', { citiesDir: dir, env });
  // The gateway's rate limits run on the test's clock; no pooled connections (fakeGateway.ts: keepAlive).
  fake.now = () => t.clock.now().getTime();
  fake.keepAlive = false;
});
after(async () => {
  await t?.close();
  await fake.stop();
});

async function outbox(to?: string): Promise<Msg[]> {
  const r = await t.call('GET', `/api/admin/sms-outbox${to ? `?to=${to}` : ''}`, { token: await t.staff('harbin', 'admin') });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().messages;
}
const sent = (phone: string, template: string) => fake.sent.filter((s) => s.phone === phone && s.templateCode === template);
const round = () => sendDueSms(t.core.ctx, 'harbin');

async function signIn(phone: string): Promise<string> {
  const asked = await t.call('POST', '/api/cities/harbin/party/code', { body: { phone } });
  assert.equal(asked.statusCode, 200, asked.body);
  const code = fake.sent.filter((s) => s.phone === phone).at(-1)!.params.code;
  const r = await t.call('POST', '/api/cities/harbin/party/session', { body: { phone, code, challenge: asked.json().challenge } });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().token;
}

async function reportedCase(party: string, seat: string, key: string): Promise<string> {
  const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: `sms-outbox-${key}-abcdef`, report: { location: DAOLI, kind: 'motor_motor' } } });
  assert.equal(r.statusCode, 201, r.body);
  await answer(t, r.json().id, seat);
  return r.json().id;
}

const P1 = '13800000701';
const P2 = '13800000702';
const P3 = '13800000703';

test('up: a sign-in code goes out at once as the template variable "code"; the outbox keeps no code once sent', async () => {
  await signIn(P1);
  const [m] = await outbox(P1);
  const [s] = sent(P1, T.otp);
  assert.match(s!.params.code!, /^\d{6}$/);
  assert.equal(s!.outId, m!.id, 'OutId is the outbox message');
  assert.deepEqual([m!.kind, m!.status, m!.attempts, m!.vendorId], ['otp', 'delivered', 1, s!.bizId]);
  assert.ok(!m!.text.includes(s!.params.code!) && m!.text.includes('******'), m!.text);
});

test('down (stopped, then throttled): nothing is lost; after recovery each message reaches the gateway once; a code past its expiry is dropped', async () => {
  // The party of the case is P4; its determination also goes to the other driver, P2.
  const P4 = '13800000704';
  const seat = await seatReady(t);
  const id = await reportedCase(await signIn(P4), seat, 'down');
  await recordHarbinChecklist(t, id, seat);
  await fake.stop();
  const reached = fake.requests;

  assert.equal((await t.call('POST', `/api/cases/${id}/evacuate`, { token: seat })).statusCode, 200, 'the seat is not held up by the gateway');
  const det = await t.call('POST', `/api/cases/${id}/determination`, { token: await t.staff('harbin', 'officer'), body: {
    facts: '张伟驾驶黑A12345追尾李娜驾驶的黑AD56789。',
    parties: [
      { name: '张伟', plate: '黑A12345', vehicleClass: 'small_car', insurerId: 'picc', faultBehaviour: '未与前车保持安全距离', liability: 'full' },
      { name: '李娜', phone: P2, plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' },
    ] } });
  assert.equal(det.statusCode, 201, det.body);
  const asked = await t.call('POST', '/api/cities/harbin/party/code', { body: { phone: P3 } });
  assert.equal(asked.statusCode, 200, 'a code asked for while the gateway is down is queued');
  assert.equal(fake.requests, reached, 'nothing reached the stopped gateway');
  const queued = [...await outbox(P4), ...await outbox(P2), ...await outbox(P3)].filter((m) => m.kind !== 'otp' || m.to.endsWith('0703'));
  assert.deepEqual(queued.map((m) => [m.kind, m.status, m.attempts]).sort(), [['determination', 'failed', 1], ['determination', 'failed', 1], ['evacuate', 'failed', 1], ['otp', 'failed', 1]]);
  assert.ok(queued.every((m) => /could not be reached/.test(m.lastError ?? '')), JSON.stringify(queued));

  // Still down a round later: the breaker stops the round after 3 failures in a row; the rest wait untried.
  t.clock.advance(2 * 60_000);
  const downRound = await round();
  assert.equal(downRound.sent, 0);
  assert.ok(downRound.held >= 1 && downRound.failed + downRound.held === 4, JSON.stringify(downRound));

  // Back after the code's 5 minutes: the code is dropped, the rest go out — P4's second message hits the gateway's 1-a-minute limit.
  t.clock.advance(5 * 60_000);
  await fake.start(fake.port);
  const back = await round();
  assert.deepEqual({ ...back }, { sent: 2, failed: 1, dead: 0, expired: 1, maybeSent: 0, held: 0 });
  const throttled = (await outbox(P4)).find((m) => m.status === 'failed')!;
  assert.match(throttled.lastError!, /isv\.BUSINESS_LIMIT_CONTROL/);
  assert.equal((await round()).sent, 0, 'not before the window the gateway named');
  t.clock.advance(2 * 60_000 + 1000);
  assert.equal((await round()).sent, 1);

  assert.deepEqual([sent(P4, T.evacuate).length, sent(P4, T.determination).length, sent(P2, T.determination).length, sent(P3, T.otp).length], [1, 1, 1, 0], 'each exactly once; the expired code never');
  const [code] = await outbox(P3);
  assert.equal(code!.status, 'expired');
  assert.match(code!.lastError!, /expired/);
  assert.ok(!/\d{6}/.test(code!.text), 'a dropped code is not kept');
  assert.deepEqual(sent(P2, T.determination)[0]!.params, { number: sent(P4, T.evacuate)[0]!.params.number, docNo: det.json().determination.number, code: det.json().determination.verifyUrl.split('/').at(-1) });
  t.clock.advance(3_600_000);
  const total = fake.sent.length;
  assert.equal((await round()).sent, 0);
  assert.equal(fake.sent.length, total, 'delivered is final');

  // 5xx: retried, then sent once.
  const escalated = await reportedCase(await signIn('13800000705'), await seatReady(t), 'fivexx');
  t.clock.advance(61_000);
  fake.faults.push('http5xx');
  assert.equal((await t.call('POST', `/api/cases/${escalated}/escalate`, { token: seat, body: { reason: '需现场处置' } })).statusCode, 200);
  const [esc] = (await outbox('13800000705')).filter((m) => m.kind === 'escalation');
  assert.deepEqual([esc!.status, esc!.attempts], ['failed', 1]);
  assert.match(esc!.lastError!, /HTTP 503/);
  t.clock.advance(60_000);
  assert.equal((await round()).sent, 1);
  assert.equal(sent('13800000705', T.escalation).length, 1);
});

test('receipts: recorded per message through the vendor route with its token; a repeated push adds nothing', async () => {
  const ids = fake.sent.map((s) => s.bizId);
  const push = fake.sent.map((s, i) => fake.report(s.bizId, i !== 1, '2026-06-01 10:30:00'));
  // Matched by the gateway's id alone too (as Tencent's callback, which echoes no out-id, always is).
  for (const r of push.slice(0, 3)) delete r.out_id;
  const url = (vendor: string, token: string) => `/api/integrations/sms/harbin/receipts/${vendor}?token=${token}`;
  const wrong = await t.call('POST', url('aliyun', 'not-the-token'), { body: push });
  assert.deepEqual([wrong.statusCode, wrong.json().error.code], [401, 'KC_RECEIPT_TOKEN_INVALID']);
  assert.equal((await t.call('POST', url('tencent', RECEIPT_TOKEN), { body: push })).statusCode, 401, 'Harbin sends through Aliyun: no Tencent receipts');
  assert.equal((await t.call('POST', url('aliyun', RECEIPT_TOKEN), { body: [{ biz_id: 'x' }] })).statusCode, 400);
  for (let i = 0; i < 2; i++) {
    const r = await t.call('POST', url('aliyun', RECEIPT_TOKEN), { body: push });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { code: 0, msg: '接收成功' });
  }
  const all = (await outbox()).filter((m) => m.vendorId);
  assert.equal(all.length, ids.length);
  for (const m of all) {
    const i = ids.indexOf(m.vendorId!);
    assert.deepEqual(m.receipt && [m.receipt.delivered, m.receipt.code], i === 1 ? [false, 'MK:0001'] : [true, 'DELIVERED'], m.id);
  }
  const rows = await forTenant(t.db, 'harbin').query<{ n: number }>("SELECT count(*)::int AS n FROM sms_receipts WHERE tenant = 'harbin'");
  assert.equal(rows[0]!.n, ids.length, 'one row per message');
});

test('a refusal for good is dead at once and never tried again; a message the gateway may have taken is not resent by itself', async () => {
  // 140… numbers are data-only: Aliyun refuses them (isv.MOBILE_NUMBER_ILLEGAL).
  const before = fake.requests;
  const refused = await t.call('POST', '/api/cities/harbin/party/code', { body: { phone: '14012345678' } });
  assert.deepEqual([refused.statusCode, refused.json().error?.code], [503, 'KC_UNAVAILABLE'], refused.body);
  const [dead] = await outbox('14012345678');
  assert.deepEqual([dead!.status, dead!.attempts], ['dead', 1]);
  assert.match(dead!.lastError!, /MOBILE_NUMBER_ILLEGAL/);
  t.clock.advance(3_600_000);
  await round();
  assert.equal(fake.requests, before + 1, 'not retried');

  // Taken, but the answer was cut: maybe sent — not resent; the receipt naming it (OutId) settles it.
  const P6 = '13800000706';
  fake.faults.push('dropAfterHandling');
  assert.equal((await t.call('POST', '/api/cities/harbin/party/code', { body: { phone: P6 } })).statusCode, 200);
  const [maybe] = await outbox(P6);
  assert.equal(maybe!.status, 'maybe_sent');
  t.clock.advance(60_000);
  await round();
  assert.equal(sent(P6, T.otp).length, 1, 'not sent twice');
  const [taken] = sent(P6, T.otp);
  assert.equal(taken!.outId, maybe!.id);
  assert.equal((await t.call('POST', `/api/integrations/sms/harbin/receipts/aliyun?token=${RECEIPT_TOKEN}`, { body: [fake.report(taken!.bizId, true, '2026-06-01 12:00:00')] })).statusCode, 200);
  const [settled] = await outbox(P6);
  assert.deepEqual([settled!.status, settled!.vendorId, settled!.receipt?.delivered], ['delivered', taken!.bizId, true]);

  // Cut before the gateway handled it: maybe sent as well; the admin checked and sends it again — once.
  const seat = await seatReady(t);
  const P7 = '13800000707';
  const id = await reportedCase(await signIn(P7), seat, 'dropped');
  t.clock.advance(60_000);
  fake.faults.push('drop');
  assert.equal((await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '需现场处置' } })).statusCode, 200);
  const [esc] = (await outbox(P7)).filter((m) => m.kind === 'escalation');
  assert.equal(esc!.status, 'maybe_sent');
  t.clock.advance(60_000);
  await round();
  assert.equal(sent(P7, T.escalation).length, 0);
  const admin = await t.staff('harbin', 'admin');
  const again = await t.call('POST', `/api/admin/sms-outbox/${esc!.id}/resend`, { token: admin });
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json().messages[0].status, 'delivered');
  assert.equal(sent(P7, T.escalation).length, 1);
  assert.equal((await t.call('POST', `/api/admin/sms-outbox/${esc!.id}/resend`, { token: admin })).statusCode, 404, 'a delivered message is not sent again');
  assert.equal((await t.call('POST', `/api/admin/sms-outbox/${dead!.id}/resend`, { token: admin })).statusCode, 404, 'nor a sign-in code');
});
