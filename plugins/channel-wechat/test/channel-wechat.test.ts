import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { PluginContext } from '@kuaichu/core/ports';
import plugin, { checkChannelToken, createChannelWechat, issueChannelToken, newTokenId, signChannelToken, type ChannelTokenPayload } from '../src/index.ts';

const SECRET = 'nantong-wechat-dev-secret-0123456789abcdef';
const ENV = 'KUAICHU_NANTONG_WECHAT_SECRET';
// This process's memory: the file store (the default) has its own tests in usedTokens.test.ts.
const options = { appName: '事故云快处', tokenSecretEnv: ENV, tokenTtlSeconds: 600, usedTokens: 'memory' as const };
const now = new Date('2026-06-01T21:30:00+08:00');
const nowSec = now.getTime() / 1000;

function context(env: Record<string, string | undefined> = { [ENV]: SECRET }) {
  const lines: object[] = [];
  const ctx: PluginContext = { tenant: 'nantong', env, log: { info: (o, m) => void lines.push({ ...o, m }), warn: (o, m) => void lines.push({ ...o, m }) } };
  return { ctx, lines };
}

const payload = (extra: Partial<ChannelTokenPayload> = {}): ChannelTokenPayload => ({
  tenant: 'nantong',
  channel: 'wechat_miniprogram',
  phone: '13812345678',
  sub: 'oXk3d5Qm9Zy2WbYt1fHc7PdLq0sE',
  iat: nowSec - 30,
  exp: nowSec + 570,
  jti: newTokenId(),
  ...extra,
});

const check = (token: string, at = now) => checkChannelToken(token, { secret: SECRET, tenant: 'nantong', now: at, maxTtlSeconds: 600 });

test('the package exports the channel-wechat plugin', async () => {
  assert.equal(plugin.name, 'channel-wechat');
  assert.equal(plugin.port, 'channel');
  const port = await plugin.create(options, context().ctx);
  assert.equal(port.verifyToken(signChannelToken(payload(), SECRET), now)?.subject, 'oXk3d5Qm9Zy2WbYt1fHc7PdLq0sE');
});

test('a token signed by the mini-program backend verifies to the party identity', () => {
  const channel = createChannelWechat(options, context().ctx);
  const token = signChannelToken(payload(), SECRET);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(channel.verifyToken(token, now), { tenant: 'nantong', channel: 'wechat_miniprogram', phone: '13812345678', subject: 'oXk3d5Qm9Zy2WbYt1fHc7PdLq0sE' });
  // the format is the documented one: base64url(JSON).base64url(HMAC-SHA256 of the first part)
  const [body, sig] = token.split('.') as [string, string];
  const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  assert.deepEqual(decoded, { ...payload(), jti: decoded.jti });
  assert.match(decoded.jti, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(sig, createHmac('sha256', SECRET).update(body).digest('base64url'));
  const issued = issueChannelToken({ tenant: 'nantong', phone: '13998765432', sub: 'openid-2' }, SECRET, { now });
  assert.equal(channel.verifyToken(issued, now)?.phone, '13998765432');
  assert.notEqual(issueChannelToken({ tenant: 'nantong', phone: '13998765432', sub: 'openid-2' }, SECRET, { now }), issued, 'each token has its own id');
});

test('refuses a tampered payload, a wrong secret, a forged or malformed signature', () => {
  const token = signChannelToken(payload(), SECRET);
  const [, sig] = token.split('.') as [string, string];
  const forgedBody = Buffer.from(JSON.stringify(payload({ phone: '13900000000' }))).toString('base64url');
  assert.deepEqual(check(`${forgedBody}.${sig}`), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(check(signChannelToken(payload(), 'another-secret')), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(check(`${token.split('.')[0]}.${sig.slice(0, -3)}`), { ok: false, reason: 'bad_signature' }, 'a short signature');
  assert.deepEqual(check(`${token}.extra`), { ok: false, reason: 'malformed' });
  assert.deepEqual(check(token.replace('.', '')), { ok: false, reason: 'malformed' });
  assert.deepEqual(check(`${token.split('.')[0]}.${sig}=`), { ok: false, reason: 'malformed' });
  assert.deepEqual(check(''), { ok: false, reason: 'malformed' });
  assert.deepEqual(check('a'.repeat(5000) + '.b'), { ok: false, reason: 'malformed' });
});

test('refuses expired tokens, tokens from the future and tokens living longer than tokenTtlSeconds', () => {
  const token = signChannelToken(payload(), SECRET);
  assert.equal(check(token, new Date((nowSec + 569) * 1000)).ok, true);
  assert.deepEqual(check(token, new Date((nowSec + 570) * 1000)), { ok: false, reason: 'expired' });
  assert.deepEqual(check(signChannelToken(payload({ iat: nowSec + 300, exp: nowSec + 600 }), SECRET)), { ok: false, reason: 'not_yet_valid' });
  assert.equal(check(signChannelToken(payload({ iat: nowSec + 30, exp: nowSec + 600 }), SECRET)).ok, true, 'a little clock skew is tolerated');
  assert.deepEqual(check(signChannelToken(payload({ iat: nowSec, exp: nowSec + 86_400 }), SECRET)), { ok: false, reason: 'lifetime_too_long' });
  const longer = createChannelWechat({ ...options, tokenTtlSeconds: 86_400 }, context().ctx);
  assert.notEqual(longer.verifyToken(signChannelToken(payload({ iat: nowSec, exp: nowSec + 86_400 }), SECRET), now), null);
});

test('refuses tokens for another tenant or channel, and payloads of the wrong shape', () => {
  assert.deepEqual(check(signChannelToken(payload({ tenant: 'harbin' }), SECRET)), { ok: false, reason: 'wrong_tenant' });
  assert.deepEqual(check(signChannelToken(payload({ channel: 'app12123' as never }), SECRET)), { ok: false, reason: 'wrong_channel' });
  assert.deepEqual(check(signChannelToken(payload({ phone: '110' }), SECRET)), { ok: false, reason: 'bad_payload' });
  assert.deepEqual(check(signChannelToken(payload({ sub: '' }), SECRET)), { ok: false, reason: 'bad_payload' });
  assert.deepEqual(check(signChannelToken(payload({ exp: 'soon' as never }), SECRET)), { ok: false, reason: 'bad_payload' });
  assert.deepEqual(check(signChannelToken(payload({ jti: undefined as never }), SECRET)), { ok: false, reason: 'bad_payload' }, 'a token without an id cannot be single-use');
  assert.deepEqual(check(signChannelToken(payload({ jti: 'short' }), SECRET)), { ok: false, reason: 'bad_payload' });
  const notJson = Buffer.from('not json').toString('base64url');
  assert.deepEqual(check(`${notJson}.${createHmac('sha256', SECRET).update(notJson).digest('base64url')}`), { ok: false, reason: 'bad_payload' });
  const channel = createChannelWechat(options, context().ctx);
  assert.equal(channel.verifyToken(signChannelToken(payload({ tenant: 'harbin' }), SECRET), now), null);
});

test('create() fails with a clear error naming the variable when the secret is missing', () => {
  assert.throws(() => createChannelWechat(options, context({}).ctx), /environment variable KUAICHU_NANTONG_WECHAT_SECRET is not set/);
  assert.throws(() => createChannelWechat(options, context({ [ENV]: '' }).ctx), /KUAICHU_NANTONG_WECHAT_SECRET is not set/);
  const { ctx, lines } = context({ [ENV]: 'short' });
  createChannelWechat(options, ctx);
  assert.match(JSON.stringify(lines), /shorter than 32 characters/);
});

test('refusals are logged with their reason only: no token, phone or secret', () => {
  const { ctx, lines } = context();
  const channel = createChannelWechat(options, ctx);
  const token = signChannelToken(payload(), SECRET);
  assert.equal(channel.verifyToken(token, new Date((nowSec + 3600) * 1000)), null);
  const logged = JSON.stringify(lines);
  assert.match(logged, /"reason":"expired"/);
  assert.ok(!logged.includes(token.split('.')[1]!));
  assert.doesNotMatch(logged, /13812345678|nantong-wechat-dev-secret/);
});

test('a launch token opens the app once: a replay is refused and logged as such', () => {
  const { ctx, lines } = context();
  const channel = createChannelWechat(options, ctx);
  const token = issueChannelToken({ tenant: 'nantong', phone: '13812345678', sub: 'openid-once' }, SECRET, { now });
  assert.equal(channel.verifyToken(token, now)?.subject, 'openid-once');
  assert.equal(channel.verifyToken(token, new Date(now.getTime() + 1000)), null);
  assert.match(JSON.stringify(lines), /"reason":"replayed"/);
  // The same id signed into another token is the same launch: refused too.
  const again = signChannelToken({ ...(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as ChannelTokenPayload), phone: '13912345678' }, SECRET);
  assert.equal(channel.verifyToken(again, now), null);
});

test('a token refused for another reason is not used up', () => {
  const channel = createChannelWechat(options, context().ctx);
  const early = signChannelToken(payload({ iat: nowSec + 300, exp: nowSec + 600 }), SECRET);
  assert.equal(channel.verifyToken(early, now), null, 'not yet valid');
  assert.notEqual(channel.verifyToken(early, new Date((nowSec + 300) * 1000)), null, 'valid later, once');
  assert.equal(channel.verifyToken(early, new Date((nowSec + 301) * 1000)), null);
  assert.equal(channel.verifyToken(signChannelToken(payload({ tenant: 'harbin' }), SECRET), now), null);
});

test('issueLaunchToken gives tokens for this tenant that the port accepts once', () => {
  const channel = createChannelWechat(options, context().ctx);
  const token = channel.issueLaunchToken({ phone: '13812345678', sub: 'openid-issued' }, now);
  assert.deepEqual(channel.verifyToken(token, now), { tenant: 'nantong', channel: 'wechat_miniprogram', phone: '13812345678', subject: 'openid-issued' });
  assert.equal(channel.verifyToken(token, now), null);
  assert.equal(channel.wechat, null, 'no login without appId and appSecretEnv');
  assert.throws(() => createChannelWechat({ ...options, appId: 'wx0123456789abcdef' }, context().ctx), /appId and appSecretEnv go together/);
  assert.throws(() => createChannelWechat({ ...options, appId: 'wx0123456789abcdef', appSecretEnv: 'KUAICHU_NANTONG_WECHAT_APPSECRET' }, context().ctx), /KUAICHU_NANTONG_WECHAT_APPSECRET is not set/);
});
