import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { PluginContext } from '@kuaichu/core/ports';
import { createChannelWechat, WechatApiError, type ChannelWechat } from '../src/index.ts';
import { FakeWechat } from './support/wechatServer.ts';

const APP_ID = 'wx5f0e1d2c3b4a6978';
const APP_SECRET = 'nantong-mini-program-app-secret-0123';
const env = { KUAICHU_NANTONG_WECHAT_SECRET: 'nantong-wechat-dev-secret-0123456789abcdef', KUAICHU_NANTONG_WECHAT_APPSECRET: APP_SECRET };
const fake = new FakeWechat(APP_ID, APP_SECRET);
const now = new Date('2026-06-01T21:30:00+08:00');

before(() => fake.start());
after(() => fake.stop());

function channel(extra: Record<string, unknown> = {}, e: Record<string, string> = env): { ch: ChannelWechat; lines: object[] } {
  const lines: object[] = [];
  const ctx: PluginContext = { tenant: 'nantong', env: e, log: { info: (o, m) => void lines.push({ ...o, m }), warn: (o, m) => void lines.push({ ...o, m }) } };
  const ch = createChannelWechat({
    appName: '事故云快处', tokenSecretEnv: 'KUAICHU_NANTONG_WECHAT_SECRET', usedTokens: 'memory',
    appId: APP_ID, appSecretEnv: 'KUAICHU_NANTONG_WECHAT_APPSECRET', apiBaseUrl: fake.baseUrl, apiTimeoutMs: 400, ...extra,
  }, ctx);
  return { ch, lines };
}

async function failure(p: Promise<unknown>): Promise<WechatApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof WechatApiError, `expected a WechatApiError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

test('jscode2session: a wx.login code gives the openid (and unionid) and a session key that stays on the server', async () => {
  const { ch } = channel();
  const s = await ch.wechat!.exchangeCode(fake.loginCode('oXk3d5Qm9Zy2WbYt1fHc7PdLq0sE', 'oUn1on1d'));
  assert.deepEqual([s.openid, s.unionid], ['oXk3d5Qm9Zy2WbYt1fHc7PdLq0sE', 'oUn1on1d']);
  assert.match(s.sessionKey, /^[A-Za-z0-9+/]{22}==$/);
});

test('the whole login: openid, verified phone, and a launch token the port accepts once', async () => {
  const { ch } = channel();
  const r = await ch.wechat!.login({ code: fake.loginCode('openid-login-1'), phoneCode: fake.phoneCode('13812345678') }, now);
  assert.deepEqual([r.openid, r.phone], ['openid-login-1', '13812345678']);
  assert.deepEqual(ch.verifyToken(r.launchToken, now), { tenant: 'nantong', channel: 'wechat_miniprogram', phone: '13812345678', subject: 'openid-login-1' });
  assert.equal(ch.verifyToken(r.launchToken, now), null, 'a replay of the launch is refused');
  // The access token is fetched once and reused by the next login.
  const before = fake.calls['/cgi-bin/stable_token'];
  await ch.wechat!.login({ code: fake.loginCode('openid-login-2'), phoneCode: fake.phoneCode('13912345678') }, now);
  assert.equal(fake.calls['/cgi-bin/stable_token'], before);
});

test('an access token WeChat no longer takes (40001) is fetched again once', async () => {
  const { ch } = channel();
  await ch.wechat!.login({ code: fake.loginCode('openid-tok-1'), phoneCode: fake.phoneCode('13812340001') }, now);
  fake.invalidateToken();
  const r = await ch.wechat!.login({ code: fake.loginCode('openid-tok-2'), phoneCode: fake.phoneCode('13812340002') }, now);
  assert.equal(r.phone, '13812340002');
});

test('40029 invalid code and 40163 a used code are permanent: the mini-program must call wx.login again', async () => {
  const { ch } = channel();
  const unknown = await failure(ch.wechat!.exchangeCode('0a1B2c3D4e5F6g7H8i9J'));
  assert.deepEqual([unknown.reason, unknown.retryable, unknown.errcode], ['invalid_code', false, 40029]);
  const code = fake.loginCode('openid-used');
  await ch.wechat!.exchangeCode(code);
  const used = await failure(ch.wechat!.exchangeCode(code));
  assert.deepEqual([used.reason, used.retryable, used.errcode], ['invalid_code', false, 40163]);
  const bad = await failure(ch.wechat!.exchangeCode('not a code!'));
  assert.equal(bad.reason, 'invalid_code');
  const phone = await failure(ch.wechat!.login({ code: fake.loginCode('openid-phone'), phoneCode: 'deadbeefdeadbeef' }, now));
  assert.deepEqual([phone.reason, phone.errcode], ['invalid_code', 40029]);
});

test('45011 rate limit and -1 busy are retryable, with a wait', async () => {
  const { ch } = channel();
  fake.faults.push('busy');
  const busy = await failure(ch.wechat!.exchangeCode(fake.loginCode('openid-busy')));
  assert.deepEqual([busy.reason, busy.retryable, busy.errcode, busy.retryAfterSeconds], ['busy', true, -1, 1]);
  fake.minuteQuota = 0;
  try {
    const limited = await failure(ch.wechat!.exchangeCode(fake.loginCode('openid-limited')));
    assert.deepEqual([limited.reason, limited.retryable, limited.errcode, limited.retryAfterSeconds], ['rate_limited', true, 45011, 60]);
  } finally {
    fake.minuteQuota = 100;
  }
  // The code was not spent by the refused calls: it still works.
  const code = fake.loginCode('openid-after');
  fake.faults.push('busy');
  await failure(ch.wechat!.exchangeCode(code));
  assert.equal((await ch.wechat!.exchangeCode(code)).openid, 'openid-after');
});

test('a timeout or a dropped connection is retryable; a wrong AppSecret is a configuration error', async () => {
  const { ch } = channel();
  fake.faults.push('timeout');
  const t0 = performance.now();
  const timeout = await failure(ch.wechat!.exchangeCode(fake.loginCode('openid-timeout')));
  assert.deepEqual([timeout.reason, timeout.retryable], ['unavailable', true]);
  assert.match(timeout.message, /no answer within 400 ms/);
  assert.ok(performance.now() - t0 < 5000);
  fake.faults.push('drop');
  const drop = await failure(ch.wechat!.exchangeCode(fake.loginCode('openid-drop')));
  assert.deepEqual([drop.reason, drop.retryable], ['unavailable', true]);
  const wrong = channel({}, { ...env, KUAICHU_NANTONG_WECHAT_APPSECRET: 'not-the-secret' }).ch;
  const config = await failure(wrong.wechat!.exchangeCode(fake.loginCode('openid-config')));
  assert.deepEqual([config.reason, config.retryable, config.errcode], ['config', false, 40125]);
});

test('a phone number given to another app (watermark) is refused, and no launch token is issued', async () => {
  const { ch } = channel();
  fake.watermarkAppId = 'wx00000000000000aa';
  try {
    const e = await failure(ch.wechat!.login({ code: fake.loginCode('openid-x'), phoneCode: fake.phoneCode('13812345678') }, now));
    assert.deepEqual([e.reason, e.retryable], ['bad_answer', false]);
    assert.match(e.message, /watermark names another app/);
  } finally {
    fake.watermarkAppId = undefined;
  }
});
