import { test, before, after } from 'node:test';
import { schemaRegistry } from '@kuaichu/core/schemas';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { SmsMessage } from '@kuaichu/core/ports';
import { loggingContext, refusal } from '@kuaichu/testkit/fakeGateway';
import type { SmsTencentOptions } from '@kuaichu/core/generated/types.ts';
import plugin, { createSmsTencent, ReceiptRefused, takesReceipts, type SmsDeliveryReport } from '../src/index.ts';
import { FakeTencentSms } from './support/tencentServer.ts';

const SECRET_ID = 'AKIDnantongSmsSender0123456789';
const SECRET_KEY = 'nantong-tencent-secret-0123456789ab';
const APP_ID = '1400700123';
const RECEIPT_TOKEN = 'tencent-receipt-token-0123456789abcdef';
const env = { TENCENT_SMS_SECRET_ID: SECRET_ID, TENCENT_SMS_SECRET_KEY: SECRET_KEY, TENCENT_SMS_RECEIPT_TOKEN: RECEIPT_TOKEN };
const templates = { '2001001': 1, '2001002': 1, '2001003': 3, '2001004': 1 };

const fake = new FakeTencentSms({ [SECRET_ID]: SECRET_KEY }, [APP_ID], ['南通交警'], templates);
before(() => fake.start());
after(() => fake.stop());

function options(extra: Partial<SmsTencentOptions> = {}): SmsTencentOptions {
  return {
    endpoint: FakeTencentSms.HOST, protocol: 'http', timeoutMs: 400,
    secretIdEnv: 'TENCENT_SMS_SECRET_ID', secretKeyEnv: 'TENCENT_SMS_SECRET_KEY', receiptTokenEnv: 'TENCENT_SMS_RECEIPT_TOKEN',
    sdkAppId: APP_ID, signName: '南通交警',
    templates: {
      otp: { templateId: '2001001' },
      evacuate: { templateId: '2001002' },
      determination: { templateId: '2001003' },
      escalation: { templateId: '2001004' },
    },
    ...extra,
  };
}

const context = (e: Record<string, string | undefined> = env) => loggingContext('nantong', e);

const adapter = (o: SmsTencentOptions = options(), e = env, server = fake) => createSmsTencent(o, context(e).ctx, { agent: server.agent() });

let phoneSeq = 0;
const phone = () => `1381234${String(++phoneSeq).padStart(4, '0')}`;
const otp = (to: string): SmsMessage => ({ tenant: 'nantong', to, kind: 'otp', text: '您的南通事故快处验证码为 052317，5 分钟内有效。请勿告诉他人。' });

test('the package exports the sms-tencent plugin for the sms port', async () => {
  assert.deepEqual([plugin.name, plugin.port], ['sms-tencent', 'sms']);
  const port = await plugin.create(options() as unknown as Record<string, unknown>, context().ctx);
  assert.equal(takesReceipts(port), true);
});

test('an OTP goes out on its template, TC3-signed so the counterpart accepts it; the receipt id is the SerialNo', async () => {
  const to = phone();
  const r = await adapter().send(otp(to));
  const sent = fake.sent.find((s) => s.phone === `+86${to}`);
  assert.ok(sent, 'the counterpart took the message');
  assert.equal(r.id, sent.serialNo);
  assert.deepEqual([sent.appId, sent.signName, sent.templateId, sent.params, sent.sessionContext], [APP_ID, '南通交警', '2001001', ['052317'], 'otp']);
});

test('the texts core sends for each kind fill their templates, variables in order', async () => {
  const sms = adapter();
  const caseId = randomUUID();
  const r = await sms.send({ tenant: 'nantong', to: phone(), kind: 'determination', caseId, text: '您的事故（NT20260601-0007）已由南通交警作出认定，认定书编号 苏公交认字[2026]第0007号。请在“网办进度”查看电子认定书，或访问 https://kc.example.cn/verify/Xk3d-5Qm9 核验。如有异议，可自送达之日起3日内申请复核。' });
  const sent = fake.sent.find((s) => s.serialNo === r.id)!;
  assert.deepEqual([sent.templateId, sent.params, sent.sessionContext], ['2001003', ['NT20260601-0007', '苏公交认字[2026]第0007号', 'Xk3d-5Qm9'], `determination:${caseId}`]);
  const e = await sms.send({ tenant: 'nantong', to: phone(), kind: 'escalation', caseId, text: '您的事故（NT20260601-0009）需由民警到现场处理，请做好安全防护，在安全地点等候。' });
  assert.deepEqual(fake.sent.find((s) => s.serialNo === e.id)!.params, ['NT20260601-0009']);
});

/** An independent TC3 signer, to show the counterpart checks each part of the signature. */
function tc3(body: string, o: { key?: string; ts?: number; service?: string } = {}) {
  const ts = o.ts ?? Math.floor(Date.now() / 1000);
  const date = new Date(ts * 1000).toISOString().slice(0, 10);
  const service = o.service ?? 'sms';
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', host: FakeTencentSms.HOST, 'x-tc-action': 'SendSms', 'x-tc-version': '2021-01-11', 'x-tc-timestamp': String(ts), 'x-tc-region': 'ap-guangzhou' };
  const signed = 'content-type;host;x-tc-action';
  const canonical = ['POST', '/', '', `content-type:${headers['content-type']}\nhost:${headers.host}\nx-tc-action:sendsms\n`, signed, createHash('sha256').update(body).digest('hex')].join('\n');
  const scope = `${date}/${service}/tc3_request`;
  const sts = ['TC3-HMAC-SHA256', String(ts), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const h = (k: string | Buffer, s: string) => createHmac('sha256', k).update(s).digest();
  const sig = h(h(h(h(`TC3${o.key ?? SECRET_KEY}`, date), service), 'tc3_request'), sts).toString('hex');
  headers.authorization = `TC3-HMAC-SHA256 Credential=${SECRET_ID}/${scope}, SignedHeaders=${signed}, Signature=${sig}`;
  return headers;
}

test('the counterpart verifies TC3-HMAC-SHA256 exactly: a changed body, key, scope or a stale timestamp is refused', async () => {
  const agent = fake.agent();
  const { request } = await import('node:http');
  const call = (headers: Record<string, string>, body: string) => new Promise<string>((resolve, reject) => {
    const req = request({ host: FakeTencentSms.HOST, path: '/', method: 'POST', headers, agent }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        const r = JSON.parse(text).Response;
        resolve(r.Error?.Code ?? r.SendStatusSet[0].Code);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  const body = JSON.stringify({ SmsSdkAppId: APP_ID, SignName: '南通交警', TemplateId: '2001001', TemplateParamSet: ['123456'], PhoneNumberSet: [`+86${phone()}`] });
  assert.equal(await call(tc3(body), body), 'Ok', 'an independently signed request passes');
  assert.equal(await call(tc3(body), body.replace('123456', '654321')), 'AuthFailure.SignatureFailure', 'a body changed after signing');
  assert.equal(await call(tc3(body, { key: 'wrong' }), body), 'AuthFailure.SignatureFailure');
  assert.equal(await call(tc3(body, { service: 'cvm' }), body), 'AuthFailure.SignatureFailure', 'signed for another service');
  assert.equal(await call(tc3(body, { ts: Math.floor(Date.now() / 1000) - 600 }), body), 'AuthFailure.SignatureExpire');
  assert.equal(await call({ ...tc3(body), 'x-tc-action': 'SendSMS2' }, body), 'AuthFailure.SignatureFailure', 'a signed header changed');
});

test('wrong credentials: a permanent auth failure naming Tencent\'s code', async () => {
  const wrongKey = await refusal(adapter(options(), { ...env, TENCENT_SMS_SECRET_KEY: 'not-the-key' }).send(otp(phone())));
  assert.deepEqual([wrongKey.failure, wrongKey.retryable, wrongKey.vendorCode], ['auth', false, 'AuthFailure.SignatureFailure']);
  assert.ok(wrongKey.requestId, 'the RequestId is kept for Tencent support');
  const unknownId = await refusal(adapter(options(), { ...env, TENCENT_SMS_SECRET_ID: 'AKIDunknown' }).send(otp(phone())));
  assert.deepEqual([unknownId.failure, unknownId.vendorCode], ['auth', 'AuthFailure.SecretIdNotFound']);
});

test('LimitExceeded.PhoneNumberDailyLimit is retryable from midnight China time', async () => {
  const own = await new FakeTencentSms({ [SECRET_ID]: SECRET_KEY }, [APP_ID], ['南通交警'], templates).start();
  own.dailyLimit = 1;
  try {
    const sms = adapter(options(), env, own);
    const to = phone();
    await sms.send(otp(to));
    const e = await refusal(sms.send(otp(to)));
    assert.deepEqual([e.failure, e.retryable, e.vendorCode, e.maybeSent], ['throttled', true, 'LimitExceeded.PhoneNumberDailyLimit', false]);
    assert.ok(e.retryAfterSeconds! > 0 && e.retryAfterSeconds! <= 86_400);
    // The wait ends at 00:00 +08:00 (measured a moment after the refusal: a few seconds late at most).
    const endsAt = Math.floor(Date.now() / 1000) + e.retryAfterSeconds!;
    assert.ok((endsAt + 8 * 3600) % 86_400 < 5, `ends ${(endsAt + 8 * 3600) % 86_400} s after midnight China time`);
  } finally {
    await own.stop();
  }
});

test('a template or sign not approved (FailedOperation.*IncorrectOrUnapproved) is permanent', async () => {
  const t = await refusal(adapter(options({ templates: { ...options().templates, otp: { templateId: '9999999' } } })).send(otp(phone())));
  assert.deepEqual([t.failure, t.retryable, t.vendorCode], ['template', false, 'FailedOperation.TemplateIncorrectOrUnapproved']);
  const s = await refusal(adapter(options({ signName: '盐城交警' })).send(otp(phone())));
  assert.deepEqual([s.failure, s.retryable, s.vendorCode], ['template', false, 'FailedOperation.SignatureIncorrectOrUnapproved']);
});

test('InvalidParameterValue.IncorrectPhoneNumber is permanent; a malformed number or a missing variable never leaves', async () => {
  const sms = adapter();
  const e = await refusal(sms.send(otp('14412345678')));
  assert.deepEqual([e.failure, e.retryable, e.vendorCode], ['invalid_recipient', false, 'InvalidParameterValue.IncorrectPhoneNumber']);
  const before = fake.requests;
  assert.equal((await refusal(sms.send(otp('+8613812345678')))).failure, 'invalid_recipient');
  assert.equal((await refusal(sms.send({ ...otp(phone()), text: '无验证码' }))).failure, 'config');
  assert.equal((await refusal(sms.send({ ...otp(phone()), kind: 'review' }))).failure, 'config');
  assert.equal(fake.requests, before, 'none of these reached the counterpart');
});

test('a timeout, a dropped connection and a 502 are retryable; the first two may have been sent', async () => {
  const sms = adapter();
  fake.faults.push('timeout');
  const t0 = performance.now();
  const timeout = await refusal(sms.send(otp(phone())));
  assert.deepEqual([timeout.failure, timeout.retryable, timeout.maybeSent], ['unavailable', true, true]);
  assert.ok(performance.now() - t0 < 5000, 'gave up at the configured timeout, not the SDK default of 60 s');
  fake.faults.push('drop');
  const drop = await refusal(sms.send(otp(phone())));
  assert.deepEqual([drop.failure, drop.retryable, drop.maybeSent], ['unavailable', true, true]);
  fake.faults.push('http5xx');
  const bad = await refusal(sms.send(otp(phone())));
  assert.deepEqual([bad.failure, bad.retryable, bad.vendorCode], ['unavailable', true, 'HTTP 502']);
});

test('while the counterpart is down a send fails retryable and unsent; resent after recovery it goes out once', async () => {
  const own = await new FakeTencentSms({ [SECRET_ID]: SECRET_KEY }, [APP_ID], ['南通交警'], templates).start();
  await own.stop();
  const sms = adapter(options(), env, own);
  const to = phone();
  const down = await refusal(sms.send(otp(to)));
  assert.deepEqual([down.failure, down.retryable, down.maybeSent], ['unavailable', true, false]);
  await own.start(own.port);
  try {
    assert.equal(own.requests, 0);
    const r = await sms.send(otp(to));
    assert.deepEqual(own.sent.map((s) => [s.phone, s.serialNo]), [[`+86${to}`, r.id]]);
  } finally {
    await own.stop();
  }
});

test('delivery receipts: a status callback with the URL token is parsed and handed to the listeners', async () => {
  const sms = adapter();
  const to = phone();
  const r = await sms.send(otp(to));
  const got: SmsDeliveryReport[] = [];
  sms.onReceipt((x) => void got.push(x));
  const { reports, ack } = await sms.acceptReceipts([fake.callback(r.id, false, '2026-06-01 21:30:09')], { token: RECEIPT_TOKEN });
  assert.deepEqual(ack, { result: 0, errmsg: 'OK' });
  assert.deepEqual(got, reports);
  assert.deepEqual(reports, [{ vendor: 'tencent', id: r.id, to, delivered: false, code: 'MK:0001', message: '用户短信接收失败', sentAt: null, reportedAt: new Date('2026-06-01T13:30:09Z') }]);
  const refused = async (body: unknown, token?: string) => {
    try {
      await sms.acceptReceipts(body, { token });
    } catch (e) {
      assert.ok(e instanceof ReceiptRefused);
      return e.status;
    }
    return 200;
  };
  assert.equal(await refused([fake.callback(r.id, true, '2026-06-01 21:30:09')], 'wrong'), 401);
  assert.equal(await refused([{ ...fake.callback(r.id, true, '2026-06-01 21:30:09'), report_status: 'MAYBE' }], RECEIPT_TOKEN), 400);
  assert.equal(await refused('[]', RECEIPT_TOKEN), 400);
  assert.equal(got.length, 1, 'refused callbacks reach no listener');
});

test('create() names a missing variable; logs mask the number and never carry the text or key', async () => {
  assert.throws(() => createSmsTencent(options(), context({ ...env, TENCENT_SMS_SECRET_ID: '' }).ctx), /environment variable TENCENT_SMS_SECRET_ID is not set/);
  const { ctx, lines } = context();
  const sms = createSmsTencent(options(), ctx, { agent: fake.agent() });
  const to = phone();
  await sms.send(otp(to));
  await refusal(sms.send(otp('14412345678')));
  const logged = JSON.stringify(lines);
  assert.ok(logged.includes(`${to.slice(0, 3)}****${to.slice(7)}`));
  assert.ok(!logged.includes(to) && !logged.includes('14412345678'));
  assert.doesNotMatch(logged, /052317|nantong-tencent-secret/);
});

test('the options schema takes the test options and refuses a profile without the templates core sends', () => {
  const validate = schemaRegistry().validator('plugins/sms-tencent.schema.json');
  const good = structuredClone(options());
  assert.equal(validate(good), true, JSON.stringify(validate.errors));
  const { otp: _otp, ...noOtp } = options().templates;
  assert.equal(validate({ ...options(), templates: noOtp }), false);
  assert.equal(validate({ ...options(), signName: '【南通交警】' }), false, 'the signature goes without brackets');
  assert.equal(validate({ ...options(), secretKeyEnv: 'the-secret-itself' }), false, 'options name a variable, never hold the secret');
});
