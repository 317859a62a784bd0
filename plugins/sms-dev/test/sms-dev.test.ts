import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@kuaichu/core/clock';
import type { PluginContext, SmsMessage } from '@kuaichu/core/ports';
import plugin, { countSegments, createSmsDev, hasOutbox, maskPhone, normalizeSignature } from '../src/index.ts';

function context(tenant = 'harbin') {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const ctx: PluginContext = {
    tenant,
    env: {},
    log: {
      info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
      warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    },
  };
  return { ctx, lines };
}

const msg = (extra: Partial<SmsMessage> = {}): SmsMessage => ({ tenant: 'harbin', to: '13812345678', text: '您的验证码是 482913，5分钟内有效。', kind: 'otp', ...extra });

test('the package exports the sms-dev plugin, whose driver is an SmsPort with an outbox', async () => {
  assert.equal(plugin.name, 'sms-dev');
  assert.equal(plugin.port, 'sms');
  const port = await plugin.create({ signature: '【哈尔滨交警】' }, context().ctx);
  assert.ok(hasOutbox(port));
});

test('send prefixes the signature, assigns operator-style ids and keeps the message in the outbox', async () => {
  const clock = new ManualClock('2026-06-01T10:00:00+08:00');
  const sms = createSmsDev({ signature: '【哈尔滨交警】' }, context().ctx, { clock });
  const r1 = await sms.send(msg({ caseId: 'c1' }));
  clock.advance(1000);
  const r2 = await sms.send(msg({ to: '13998765432', text: '请将车辆移至路边，等待处理结果。', kind: 'evacuate', caseId: 'c1' }));
  assert.match(r1.id, /^\d{18}\^0$/);
  assert.notEqual(r1.id, r2.id);
  assert.equal(r1.acceptedAt.toISOString(), '2026-06-01T02:00:00.000Z');
  const box = await sms.outbox('harbin');
  assert.equal(box.length, 2);
  assert.equal(box[0]!.id, r2.id, 'newest first');
  assert.equal(box[1]!.text, '【哈尔滨交警】您的验证码是 482913，5分钟内有效。');
  assert.equal(box[1]!.body, '您的验证码是 482913，5分钟内有效。');
  assert.equal(box[1]!.caseId, 'c1');
  assert.equal(box[1]!.segments, 1);
  assert.deepEqual((await sms.outbox('harbin', { to: '13998765432' })).map((m) => m.id), [r2.id]);
  assert.deepEqual((await sms.outbox('harbin', { limit: 1 })).map((m) => m.id), [r2.id]);
  assert.deepEqual(await sms.outbox('kunming'), [], 'outboxes are per tenant');
});

test('the outbox is bounded: the oldest messages drop out', async () => {
  const sms = createSmsDev({}, context().ctx, { capacity: 3 });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await sms.send(msg({ text: `第${i}条` }))).id);
  const box = await sms.outbox('harbin');
  assert.deepEqual(box.map((m) => m.id), ids.slice(2).reverse());
});

test('a long message is billed in segments of 67 characters once it exceeds 70', async () => {
  assert.equal(countSegments('字'.repeat(70)), 1);
  assert.equal(countSegments('字'.repeat(71)), 2);
  assert.equal(countSegments('字'.repeat(134)), 2);
  assert.equal(countSegments('字'.repeat(135)), 3);
  const sms = createSmsDev({ signature: '【南通交警】' }, context('nantong').ctx);
  await sms.send(msg({ tenant: 'nantong', text: '字'.repeat(64), kind: 'determination' })); // 6 + 64 = 70
  await sms.send(msg({ tenant: 'nantong', text: '字'.repeat(65), kind: 'determination' })); // 71
  await sms.send(msg({ tenant: 'nantong', text: '字'.repeat(500), kind: 'determination' })); // 506
  assert.deepEqual((await sms.outbox('nantong')).map((m) => m.segments), [8, 2, 1]);
});

test('the signature is bracketed as operators require, with a default', () => {
  assert.equal(normalizeSignature('哈尔滨交警'), '【哈尔滨交警】');
  assert.equal(normalizeSignature('【昆明交警】'), '【昆明交警】');
  assert.equal(normalizeSignature(undefined), '【快处】');
});

test('refuses what a gateway refuses, with a clear error, and stores nothing', async () => {
  const sms = createSmsDev({ signature: '【哈尔滨交警】' }, context().ctx);
  await assert.rejects(sms.send(msg({ to: '1381234567' })), /not a mainland mobile number/);
  await assert.rejects(sms.send(msg({ to: '12812345678' })), /not a mainland mobile number/);
  await assert.rejects(sms.send(msg({ to: '+8613812345678' })), /not a mainland mobile number/);
  await assert.rejects(sms.send(msg({ text: '   ' })), /empty message text/);
  await assert.rejects(sms.send(msg({ text: '字'.repeat(501) })), /501 characters, the limit is 500/);
  await assert.rejects(sms.send(msg({ text: 'a\u0007b' })), /control characters/);
  await assert.rejects(sms.send(msg({ kind: 'spam' as never })), /unknown message kind "spam"/);
  await assert.rejects(sms.send(msg({ tenant: 'kunming' })), /tenant "kunming" sent through the account of tenant "harbin"/);
  assert.deepEqual(await sms.outbox('harbin'), []);
  assert.deepEqual(await sms.outbox('kunming'), []);
});

test('log lines never carry a full phone number (nor the text)', async () => {
  const { ctx, lines } = context();
  const sms = createSmsDev({ signature: '【哈尔滨交警】' }, ctx);
  await sms.send(msg({ to: '13812345678' }));
  await assert.rejects(sms.send(msg({ to: '13912345678', text: '' })));
  await assert.rejects(sms.send(msg({ to: '2391234567' })));
  const logged = JSON.stringify(lines);
  assert.ok(lines.length >= 3);
  assert.doesNotMatch(logged, /13812345678|13912345678|2391234567/);
  assert.doesNotMatch(logged, /482913/, 'the one-time code is not logged');
  assert.match(logged, /138\*\*\*\*5678/);
  assert.match(logged, /139\*\*\*\*5678/);
  assert.equal(maskPhone('13812345678'), '138****5678');
  assert.equal(maskPhone('2391234567'), '<10 chars>');
});

test('the outbox hands out copies', async () => {
  const sms = createSmsDev({}, context().ctx);
  await sms.send(msg());
  const [first] = await sms.outbox('harbin');
  first!.text = 'tampered';
  first!.acceptedAt.setTime(0);
  const [again] = await sms.outbox('harbin');
  assert.equal(again!.text, '【快处】您的验证码是 482913，5分钟内有效。');
  assert.notEqual(again!.acceptedAt.getTime(), 0);
});
