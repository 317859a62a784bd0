import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@kuaichu/core/clock';
import type { ClaimPush, PluginContext } from '@kuaichu/core/ports';
import plugin, { beijingDate, claimPrefix, createInsurerDev } from '../src/index.ts';

function context(tenant = 'kunming') {
  const lines: object[] = [];
  const ctx: PluginContext = { tenant, env: {}, log: { info: (o, m) => void lines.push({ ...o, m }), warn: (o, m) => void lines.push({ ...o, m }) } };
  return { ctx, lines };
}

const push = (extra: Partial<ClaimPush> = {}): ClaimPush => ({
  tenant: 'kunming',
  caseId: 'case-0001',
  insurerId: 'picc',
  plate: '云A5U8M3',
  determinationNo: '530100-2026-000123',
  documentUrl: 'https://kuaichu.example/v/530100-2026-000123',
  phone: '13812345678',
  liability: '全部责任',
  ...extra,
});

test('the package exports the insurer-dev plugin', async () => {
  assert.equal(plugin.name, 'insurer-dev');
  assert.equal(plugin.port, 'insurer');
  const port = await plugin.create({ insurers: ['picc'] }, context().ctx);
  assert.match((await port.pushClaim(push())).claimNo, /^PICC-\d{8}-000001$/);
});

test('claim numbers: insurer prefix, Beijing date, daily sequence per insurer', async () => {
  const clock = new ManualClock('2026-06-01T10:00:00+08:00');
  const insurer = createInsurerDev({}, context().ctx, { clock });
  const r1 = await insurer.pushClaim(push());
  const r2 = await insurer.pushClaim(push({ caseId: 'case-0002' }));
  const r3 = await insurer.pushClaim(push({ caseId: 'case-0002', insurerId: 'pingan', plate: '云AF12345' }));
  assert.equal(r1.claimNo, 'PICC-20260601-000001');
  assert.equal(r2.claimNo, 'PICC-20260601-000002');
  assert.equal(r3.claimNo, 'PAIC-20260601-000001');
  assert.equal(r1.acceptedAt.toISOString(), '2026-06-01T02:00:00.000Z');
  clock.set('2026-06-01T23:59:00+08:00');
  assert.equal((await insurer.pushClaim(push({ caseId: 'case-0003' }))).claimNo, 'PICC-20260601-000003');
  clock.set('2026-06-01T16:00:00Z'); // 00:00 on 2 June in Beijing
  assert.equal((await insurer.pushClaim(push({ caseId: 'case-0004' }))).claimNo, 'PICC-20260602-000001');
  assert.equal(claimPrefix('cpic'), 'CPIC');
  assert.equal(claimPrefix('china_life'), 'CHINALIFE');
  assert.equal(beijingDate(new Date('2026-06-01T15:59:59Z')), '20260601');
});

test('a retried push is idempotent: same claim number, recorded once with its attempts', async () => {
  const clock = new ManualClock('2026-06-01T10:00:00+08:00');
  const insurer = createInsurerDev({}, context().ctx, { clock });
  const first = await insurer.pushClaim(push());
  clock.advance(30_000);
  const again = await insurer.pushClaim(push());
  assert.equal(again.claimNo, first.claimNo);
  assert.equal(again.acceptedAt.getTime(), first.acceptedAt.getTime());
  const recorded = insurer.pushes('kunming');
  assert.equal(recorded.length, 1);
  assert.equal(recorded[0]!.attempts, 2);
  assert.equal(recorded[0]!.lastPushedAt.getTime() - recorded[0]!.acceptedAt.getTime(), 30_000);
  // the other vehicle of the same case, insured by the same insurer, is its own claim
  const other = await insurer.pushClaim(push({ plate: '云A9N6L2', phone: '13998765432', liability: '无责任' }));
  assert.notEqual(other.claimNo, first.claimNo);
  assert.equal(insurer.pushes('kunming').length, 2);
});

test('refuses insurers outside the configured list, naming the ones that are', async () => {
  const insurer = createInsurerDev({ insurers: ['picc', 'pingan', 'cpic'] }, context().ctx);
  await assert.rejects(insurer.pushClaim(push({ insurerId: 'axa' })), /insurer "axa" is not connected for tenant "kunming" \(connected: picc, pingan, cpic\)/);
  assert.deepEqual(insurer.pushes('kunming'), []);
  const open = createInsurerDev({}, context().ctx);
  assert.equal(open.insurers, null);
  assert.match((await open.pushClaim(push({ insurerId: 'axa' }))).claimNo, /^AXA-/);
  assert.throws(() => createInsurerDev({ insurers: ['PICC!'] }, context().ctx), /"PICC!" is not an insurer id/);
});

test('refuses malformed pushes and pushes for another tenant', async () => {
  const insurer = createInsurerDev({}, context().ctx);
  await assert.rejects(insurer.pushClaim(push({ phone: '12345' })), /phone <5 chars> is not a mainland mobile number/);
  await assert.rejects(insurer.pushClaim(push({ documentUrl: 'javascript:alert(1)' })), /not an http\(s\) URL/);
  await assert.rejects(insurer.pushClaim(push({ documentUrl: 'not a url' })), /not an http\(s\) URL/);
  await assert.rejects(insurer.pushClaim(push({ caseId: ' ' })), /caseId is missing/);
  await assert.rejects(insurer.pushClaim(push({ determinationNo: '' })), /determinationNo is missing/);
  await assert.rejects(insurer.pushClaim(push({ tenant: 'harbin' })), /tenant "harbin" pushed through the account of tenant "kunming"/);
  assert.deepEqual(insurer.pushes('kunming'), []);
  assert.deepEqual(insurer.pushes('harbin'), []);
});

test('pushes are kept per tenant, hand out copies, and logs mask the phone', async () => {
  const { ctx, lines } = context();
  const insurer = createInsurerDev({}, ctx);
  await insurer.pushClaim(push());
  const [p] = insurer.pushes('kunming');
  assert.equal(p!.phone, '13812345678', 'the insurer itself receives the number');
  p!.claimNo = 'tampered';
  assert.match(insurer.pushes('kunming')[0]!.claimNo, /^PICC-/);
  assert.deepEqual(insurer.pushes('nantong'), []);
  const logged = JSON.stringify(lines);
  assert.doesNotMatch(logged, /13812345678/);
  assert.match(logged, /138\*\*\*\*5678/);
});
