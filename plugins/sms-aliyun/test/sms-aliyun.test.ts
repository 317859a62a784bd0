import { test, before, after } from 'node:test';
import { schemaRegistry } from '@kuaichu/core/schemas';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { SmsMessage } from '@kuaichu/core/ports';
import { loggingContext, refusal } from '@kuaichu/testkit/fakeGateway';
import type { SmsAliyunOptions } from '@kuaichu/core/generated/types.ts';
import plugin, { createSmsAliyun, ReceiptRefused, takesReceipts, type SmsDeliveryReport } from '../src/index.ts';
import { FakeAliyunSms, percentEncode } from './support/aliyunServer.ts';

const KEY_ID = 'LTAI5tNantongSmsSender01';
const KEY_SECRET = 'nantong-aliyun-secret-0123456789abcdef';
const RECEIPT_TOKEN = 'receipt-token-0123456789abcdef0123456789';
const env = { ALIYUN_SMS_KEY_ID: KEY_ID, ALIYUN_SMS_KEY_SECRET: KEY_SECRET, ALIYUN_SMS_RECEIPT_TOKEN: RECEIPT_TOKEN };

const fake = new FakeAliyunSms({ [KEY_ID]: KEY_SECRET }, ['南通交警'], {
  SMS_100000001: { params: ['code'] },
  SMS_100000002: { params: ['number'] },
  SMS_100000003: { params: ['number', 'docNo', 'code'] },
  SMS_100000004: { params: ['number'] },
});

before(() => fake.start());
after(() => fake.stop());

function options(extra: Partial<SmsAliyunOptions> = {}): SmsAliyunOptions {
  return {
    endpoint: fake.endpoint, protocol: 'http', timeoutMs: 400,
    accessKeyIdEnv: 'ALIYUN_SMS_KEY_ID', accessKeySecretEnv: 'ALIYUN_SMS_KEY_SECRET', receiptTokenEnv: 'ALIYUN_SMS_RECEIPT_TOKEN',
    signName: '南通交警',
    templates: {
      otp: { templateCode: 'SMS_100000001' },
      evacuate: { templateCode: 'SMS_100000002' },
      determination: { templateCode: 'SMS_100000003' },
      escalation: { templateCode: 'SMS_100000004' },
    },
    ...extra,
  };
}

const context = (e: Record<string, string | undefined> = env) => loggingContext('nantong', e);

// Phones are unique per test: the counterpart throttles 1 message a minute per number.
let phoneSeq = 0;
const phone = () => `1391234${String(++phoneSeq).padStart(4, '0')}`;
const otp = (to: string): SmsMessage => ({ tenant: 'nantong', to, kind: 'otp', text: `您的南通事故快处验证码为 052317，5 分钟内有效。请勿告诉他人。` });

test('the package exports the sms-aliyun plugin for the sms port', async () => {
  assert.deepEqual([plugin.name, plugin.port], ['sms-aliyun', 'sms']);
  const port = await plugin.create(options() as unknown as Record<string, unknown>, context().ctx);
  assert.equal(takesReceipts(port), true);
});

test('an OTP goes out on its template, signed so the counterpart accepts it; the receipt id is the BizId', async () => {
  const sms = createSmsAliyun(options(), context().ctx);
  const to = phone();
  const r = await sms.send(otp(to));
  const sent = fake.sent.find((s) => s.phone === to);
  assert.ok(sent, 'the counterpart took the message');
  assert.equal(r.id, sent.bizId);
  assert.match(r.id, /^\d{18}\^0$/);
  assert.deepEqual([sent.signName, sent.templateCode, sent.params, sent.outId], ['南通交警', 'SMS_100000001', { code: '052317' }, 'otp']);
});

test('the texts core sends for each kind fill their templates', async () => {
  const sms = createSmsAliyun(options(), context().ctx);
  const caseId = randomUUID();
  const cases: Array<[SmsMessage, string, Record<string, string>]> = [
    [{ tenant: 'nantong', to: phone(), kind: 'evacuate', caseId, text: '您的事故（NT20260601-0007）已完成取证，请立即驶离现场，注意安全。南通交警将在后台认定责任，结果以短信通知。' }, 'SMS_100000002', { number: 'NT20260601-0007' }],
    [{ tenant: 'nantong', to: phone(), kind: 'escalation', caseId, text: '您的事故（NT20260601-0007）需由民警到现场处理，请做好安全防护，在安全地点等候。' }, 'SMS_100000004', { number: 'NT20260601-0007' }],
    [{ tenant: 'nantong', to: phone(), kind: 'determination', caseId, text: '您的事故（NT20260601-0007）已由南通交警作出认定，认定书编号 苏公交认字[2026]第0007号。请在“网办进度”查看电子认定书，或访问 https://kc.example.cn/verify/Xk3d-5Qm9 核验。如有异议，可自送达之日起3日内申请复核。' }, 'SMS_100000003', { number: 'NT20260601-0007', docNo: '苏公交认字[2026]第0007号', code: 'Xk3d-5Qm9' }]];
  for (const [m, code, params] of cases) {
    const r = await sms.send(m);
    const sent = fake.sent.find((s) => s.bizId === r.id)!;
    assert.deepEqual([sent.templateCode, sent.params, sent.outId], [code, params, `${m.kind}:${caseId}`], m.kind);
  }
  // A message carrying its variables (what core may pass later) skips the patterns.
  const r = await sms.send({ ...otp(phone()), text: 'any text', params: { code: '777777' } } as SmsMessage);
  assert.deepEqual(fake.sent.find((s) => s.bizId === r.id)!.params, { code: '777777' });
});

/** An independent V3 signer, to show the counterpart checks each part of the signature. */
function signedRequest(query: Record<string, string>, o: { secret?: string; date?: string; nonce?: string } = {}) {
  const qs = Object.entries(query).map(([k, v]) => [percentEncode(k), percentEncode(v)] as const).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const headers: Record<string, string> = {
    host: fake.endpoint, 'x-acs-action': 'SendSms', 'x-acs-version': '2017-05-25',
    'x-acs-date': o.date ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), 'x-acs-signature-nonce': o.nonce ?? randomUUID(),
    'x-acs-content-sha256': createHash('sha256').update('').digest('hex'),
  };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', qs, names.map((h) => `${h}:${headers[h]}\n`).join(''), names.join(';'), headers['x-acs-content-sha256']].join('\n');
  const sts = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${KEY_ID},SignedHeaders=${names.join(';')},Signature=${createHmac('sha256', o.secret ?? KEY_SECRET).update(sts).digest('hex')}`;
  return { url: `http://${fake.endpoint}/?${qs}`, headers };
}

test('the counterpart verifies the ACS3-HMAC-SHA256 signature exactly: tampering, a reused nonce, a stale date are refused', async () => {
  const q = { PhoneNumbers: phone(), SignName: '南通交警', TemplateCode: 'SMS_100000001', TemplateParam: '{"code":"123 456"}' };
  const call = async (r: { url: string; headers: Record<string, string> }) => {
    const { host: _host, ...headers } = r.headers;
    const res = await fetch(r.url, { method: 'POST', headers });
    return [res.status, ((await res.json()) as { Code: string }).Code] as const;
  };
  const good = signedRequest(q, { nonce: 'nonce-once-1' });
  assert.deepEqual(await call(good), [200, 'OK']);
  assert.deepEqual(await call(good), [400, 'SignatureNonceUsed'], 'a replay');
  const tampered = signedRequest({ ...q, PhoneNumbers: phone() });
  assert.deepEqual(await call({ ...tampered, url: tampered.url.replace(/PhoneNumbers=\d+/, `PhoneNumbers=${phone()}`) }), [400, 'SignatureDoesNotMatch']);
  assert.deepEqual(await call(signedRequest({ ...q, PhoneNumbers: phone() }, { secret: 'wrong' })), [400, 'SignatureDoesNotMatch']);
  assert.deepEqual(await call(signedRequest({ ...q, PhoneNumbers: phone() }, { date: '2020-01-01T00:00:00Z' })), [400, 'InvalidTimeStamp.Expired']);
  const unsigned = signedRequest({ ...q, PhoneNumbers: phone() });
  assert.deepEqual(await call({ ...unsigned, headers: { ...unsigned.headers, 'x-acs-extra': '1' } }), [400, 'IncompleteSignature'], 'an x-acs-* header left out of the signature');
});

test('wrong credentials: a permanent auth failure naming Aliyun\'s code', async () => {
  const wrongSecret = await refusal(createSmsAliyun(options(), context({ ...env, ALIYUN_SMS_KEY_SECRET: 'not-the-secret' }).ctx).send(otp(phone())));
  assert.deepEqual([wrongSecret.failure, wrongSecret.retryable, wrongSecret.vendorCode], ['auth', false, 'SignatureDoesNotMatch']);
  const unknownKey = await refusal(createSmsAliyun(options(), context({ ...env, ALIYUN_SMS_KEY_ID: 'LTAI5tUnknown' }).ctx).send(otp(phone())));
  assert.deepEqual([unknownKey.failure, unknownKey.retryable, unknownKey.vendorCode], ['auth', false, 'InvalidAccessKeyId.NotFound']);
});

test('throttling (isv.BUSINESS_LIMIT_CONTROL) is retryable after the window Aliyun names', async () => {
  const sms = createSmsAliyun(options(), context().ctx);
  const to = phone();
  await sms.send(otp(to));
  const e = await refusal(sms.send(otp(to)));
  assert.deepEqual([e.failure, e.retryable, e.vendorCode, e.retryAfterSeconds, e.maybeSent], ['throttled', true, 'isv.BUSINESS_LIMIT_CONTROL', 60, false]);
  assert.match(e.message, /分钟级流控/);
});

test('a template or signature the account does not have is permanent', async () => {
  const badTemplate = await refusal(createSmsAliyun(options({ templates: { ...options().templates, otp: { templateCode: 'SMS_999999999' } } }), context().ctx).send(otp(phone())));
  assert.deepEqual([badTemplate.failure, badTemplate.retryable, badTemplate.vendorCode], ['template', false, 'isv.SMS_TEMPLATE_ILLEGAL']);
  const badSign = await refusal(createSmsAliyun(options({ signName: '盐城交警' }), context().ctx).send(otp(phone())));
  assert.deepEqual([badSign.failure, badSign.retryable, badSign.vendorCode], ['template', false, 'isv.SMS_SIGNATURE_ILLEGAL']);
  const missingParam = await refusal(createSmsAliyun(options(), context().ctx).send({ ...otp(phone()), params: { code: '' } } as SmsMessage));
  assert.deepEqual([missingParam.failure, missingParam.vendorCode], ['template', 'isv.TEMPLATE_MISSING_PARAMETERS']);
});

test('a number Aliyun refuses (isv.MOBILE_NUMBER_ILLEGAL) is permanent; a malformed one never leaves', async () => {
  const sms = createSmsAliyun(options(), context().ctx);
  const e = await refusal(sms.send(otp('14012345678')));
  assert.deepEqual([e.failure, e.retryable, e.vendorCode], ['invalid_recipient', false, 'isv.MOBILE_NUMBER_ILLEGAL']);
  const before = fake.requests;
  const local = await refusal(sms.send(otp('110')));
  assert.deepEqual([local.failure, local.retryable], ['invalid_recipient', false]);
  const noVar = await refusal(sms.send({ ...otp(phone()), text: '没有验证码的文字' }));
  assert.deepEqual([noVar.failure, noVar.retryable], ['config', false]);
  const noTemplate = await refusal(sms.send({ ...otp(phone()), kind: 'claim' }));
  assert.match(noTemplate.message, /no template is configured for messages of kind "claim"/);
  const otherTenant = await refusal(sms.send({ ...otp(phone()), tenant: 'harbin' }));
  assert.equal(otherTenant.failure, 'config');
  assert.equal(fake.requests, before, 'none of these reached the counterpart');
});

test('a timeout, a dropped connection and a 503 are retryable; the first two may have been sent', async () => {
  const sms = createSmsAliyun(options(), context().ctx);
  fake.faults.push('timeout');
  const t0 = performance.now();
  const timeout = await refusal(sms.send(otp(phone())));
  assert.deepEqual([timeout.failure, timeout.retryable, timeout.maybeSent], ['unavailable', true, true]);
  assert.ok(performance.now() - t0 < 5000, 'gave up at the configured timeout, not the SDK default');
  fake.faults.push('drop');
  const drop = await refusal(sms.send(otp(phone())));
  assert.deepEqual([drop.failure, drop.retryable, drop.maybeSent], ['unavailable', true, true]);
  fake.faults.push('http5xx');
  const unavailable = await refusal(sms.send(otp(phone())));
  assert.deepEqual([unavailable.failure, unavailable.retryable, unavailable.vendorCode], ['unavailable', true, 'ServiceUnavailable']);
});

test('while the counterpart is down a send fails retryable and unsent; resent after recovery it goes out once', async () => {
  // A counterpart of its own, down from the start: no pooled connection to it can be reset
  // (a reused keep-alive connection cut by an outage reads as "maybe sent", covered above).
  const own = new FakeAliyunSms({ [KEY_ID]: KEY_SECRET }, ['南通交警'], { SMS_100000001: { params: ['code'] } });
  await own.start();
  await own.stop();
  const sms = createSmsAliyun(options({ endpoint: own.endpoint }), context().ctx);
  const to = phone();
  const down = await refusal(sms.send(otp(to)));
  assert.deepEqual([down.failure, down.retryable, down.maybeSent], ['unavailable', true, false]);
  await own.start(own.port);
  try {
    assert.equal(own.requests, 0, 'nothing reached the counterpart while it was down');
    const r = await sms.send(otp(to));
    assert.deepEqual(own.sent.map((s) => [s.phone, s.bizId]), [[to, r.id]]);
  } finally {
    await own.stop();
  }
});

test('delivery receipts: an SmsReport push with the URL token is parsed and handed to the listeners', async () => {
  const sms = createSmsAliyun(options(), context().ctx);
  const caseId = randomUUID();
  const r = await sms.send({ tenant: 'nantong', to: phone(), kind: 'evacuate', caseId, text: '您的事故（NT20260601-0008）已完成取证，请立即驶离现场。' });
  const got: SmsDeliveryReport[] = [];
  const off = sms.onReceipt((x) => void got.push(x));
  const push = JSON.parse(JSON.stringify([fake.report(r.id, true, '2026-06-01 21:30:05')]));
  const { reports, ack } = await sms.acceptReceipts(push, { token: RECEIPT_TOKEN });
  assert.deepEqual(ack, { code: 0, msg: '接收成功' });
  assert.deepEqual(got, reports);
  assert.equal(reports.length, 1);
  assert.deepEqual({ ...reports[0], reportedAt: reports[0]!.reportedAt.toISOString() }, {
    vendor: 'aliyun', id: r.id, to: push[0].phone_number, delivered: true, code: 'DELIVERED', message: '用户接收成功',
    sentAt: new Date('2026-06-01T13:30:05Z'), reportedAt: '2026-06-01T13:30:05.000Z', ref: `evacuate:${caseId}`, segments: 1,
  });
  off();
  await sms.acceptReceipts([fake.report(r.id, false, '2026-06-01 21:31:00')], { token: RECEIPT_TOKEN });
  assert.equal(got.length, 1, 'unsubscribed');
});

test('receipts without the right token, or malformed, are refused', async () => {
  const sms = createSmsAliyun(options(), context().ctx);
  const status = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof ReceiptRefused);
      return e.status;
    }
    return 200;
  };
  const item = { phone_number: '13912340000', send_time: '2026-06-01 21:30:00', report_time: '2026-06-01 21:30:05', success: true, err_code: 'DELIVERED', err_msg: '用户接收成功', sms_size: '1', biz_id: '123^0', out_id: 'otp' };
  assert.equal(await status(sms.acceptReceipts([item], { token: RECEIPT_TOKEN })), 200);
  assert.equal(await status(sms.acceptReceipts([item], { token: 'wrong' })), 401);
  assert.equal(await status(sms.acceptReceipts([item], {})), 401);
  assert.equal(await status(sms.acceptReceipts({ item }, { token: RECEIPT_TOKEN })), 400);
  assert.equal(await status(sms.acceptReceipts([{ ...item, report_time: 'yesterday' }], { token: RECEIPT_TOKEN })), 400);
  assert.equal(await status(sms.acceptReceipts([{ ...item, success: 'true' }], { token: RECEIPT_TOKEN })), 400);
  const noToken = createSmsAliyun({ ...options(), receiptTokenEnv: undefined }, context().ctx);
  assert.equal(await status(noToken.acceptReceipts([item], { token: '' })), 401, 'receipts off without a configured token');
});

test('create() names a missing variable; logs mask the number and never carry the text or key', async () => {
  assert.throws(() => createSmsAliyun(options(), context({ ...env, ALIYUN_SMS_KEY_SECRET: undefined }).ctx), /environment variable ALIYUN_SMS_KEY_SECRET is not set/);
  const { ctx, lines } = context();
  const sms = createSmsAliyun(options(), ctx);
  const to = phone();
  await sms.send(otp(to));
  await refusal(sms.send(otp(to)));
  const logged = JSON.stringify(lines);
  assert.ok(logged.includes(`${to.slice(0, 3)}****${to.slice(7)}`));
  assert.ok(!logged.includes(to));
  assert.doesNotMatch(logged, /052317|nantong-aliyun-secret/);
});

test('flow-control windows: 分钟级 60 s, 小时级 an hour, 天级 until midnight China time', async () => {
  const { classifyAliyunCode } = await import('../src/codes.ts');
  const at = new Date('2026-06-01T21:30:00+08:00');
  const wait = (msg: string) => classifyAliyunCode('isv.BUSINESS_LIMIT_CONTROL', msg, undefined, at).retryAfterSeconds;
  assert.deepEqual([wait('触发分钟级流控Permits:1'), wait('触发小时级流控Permits:5'), wait('触发天级流控Permits:10')], [60, 3600, 2.5 * 3600]);
  assert.equal(classifyAliyunCode('isv.DAY_LIMIT_CONTROL', '', undefined, new Date('2026-06-01T23:59:59.500+08:00')).retryAfterSeconds, 1);
  const unknown = classifyAliyunCode('isv.SOMETHING_NEW', 'x', 'req-1', at);
  assert.deepEqual([unknown.failure, unknown.retryable, unknown.requestId], ['rejected', false, 'req-1']);
});

test('the options schema takes the test options and refuses a profile without the templates core sends', () => {
  const validate = schemaRegistry().validator('plugins/sms-aliyun.schema.json');
  const good = structuredClone(options());
  assert.equal(validate(good), true, JSON.stringify(validate.errors));
  const { otp: _otp, ...noOtp } = options().templates;
  assert.equal(validate({ ...options(), templates: noOtp }), false);
  assert.equal(validate({ ...options(), signName: '【南通交警】' }), false, 'the signature goes without brackets');
  assert.equal(validate({ ...options(), accessKeySecretEnv: 'the-secret-itself' }), false, 'options name a variable, never hold the secret');
});
