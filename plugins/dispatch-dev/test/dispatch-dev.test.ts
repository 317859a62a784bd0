import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@kuaichu/core/clock';
import type { DispatchRequest, PluginContext } from '@kuaichu/core/ports';
import plugin, { createDispatchDev } from '../src/index.ts';

const ctx: PluginContext = { tenant: 'yancheng', env: {}, log: { info() {}, warn() {} } };
const request = (extra: Partial<DispatchRequest> = {}): DispatchRequest => ({
  tenant: 'yancheng',
  caseId: 'case-0042',
  brigadeId: 'tinghu',
  location: { lng: 120.197, lat: 33.391 },
  reason: '当事人坚持民警到场',
  ...extra,
});

test('the package exports the dispatch-dev plugin', async () => {
  assert.equal(plugin.name, 'dispatch-dev');
  assert.equal(plugin.port, 'dispatch');
  const port = await plugin.create({}, ctx);
  assert.match((await port.dispatchOnsite(request())).ticket, /^CJ-\d{8}-0001$/);
});

test('answers with ticket numbers (prefix, Beijing date, daily sequence) and records every request', async () => {
  const clock = new ManualClock('2026-10-01T08:30:00+08:00');
  const desk = createDispatchDev({}, ctx, { clock });
  const t1 = await desk.dispatchOnsite(request());
  const t2 = await desk.dispatchOnsite(request({ caseId: 'case-0043', brigadeId: null }));
  assert.equal(t1.ticket, 'CJ-20261001-0001');
  assert.equal(t2.ticket, 'CJ-20261001-0002');
  assert.equal(t1.acceptedAt.toISOString(), '2026-10-01T00:30:00.000Z');
  clock.set('2026-10-01T16:00:00Z');
  assert.equal((await desk.dispatchOnsite(request({ caseId: 'case-0044' }))).ticket, 'CJ-20261002-0001');
  const tickets = desk.tickets('yancheng');
  assert.deepEqual(tickets.map((t) => [t.caseId, t.ticket, t.brigadeId]), [
    ['case-0042', 'CJ-20261001-0001', 'tinghu'],
    ['case-0043', 'CJ-20261001-0002', null],
    ['case-0044', 'CJ-20261002-0001', 'tinghu'],
  ]);
  assert.equal(tickets[0]!.reason, '当事人坚持民警到场');
  assert.deepEqual(desk.tickets('harbin'), []);
  const prefixed = createDispatchDev({ ticketPrefix: 'YCJJ' }, ctx, { clock });
  assert.match((await prefixed.dispatchOnsite(request())).ticket, /^YCJJ-20261002-0001$/);
});

test('a second request for the same case returns the open ticket', async () => {
  const desk = createDispatchDev({}, ctx);
  const first = await desk.dispatchOnsite(request());
  const again = await desk.dispatchOnsite(request({ reason: '再次请求' }));
  assert.equal(again.ticket, first.ticket);
  const [t] = desk.tickets('yancheng');
  assert.equal(desk.tickets('yancheng').length, 1);
  assert.equal(t!.requests, 2);
  t!.location.lng = 0;
  assert.equal(desk.tickets('yancheng')[0]!.location.lng, 120.197, 'tickets() hands out copies');
});

test('refuses requests without a case or reason, outside China, or for another tenant', async () => {
  const desk = createDispatchDev({}, ctx);
  await assert.rejects(desk.dispatchOnsite(request({ caseId: '' })), /caseId is missing/);
  await assert.rejects(desk.dispatchOnsite(request({ reason: '  ' })), /needs a reason/);
  await assert.rejects(desk.dispatchOnsite(request({ location: { lng: 0, lat: 0 } })), /outside China/);
  await assert.rejects(desk.dispatchOnsite(request({ location: { lng: Number.NaN, lat: 33 } })), /outside China/);
  await assert.rejects(desk.dispatchOnsite(request({ brigadeId: '' })), /brigadeId must be/);
  await assert.rejects(desk.dispatchOnsite(request({ tenant: 'nantong' })), /tenant "nantong" sent to the dispatch desk of tenant "yancheng"/);
  assert.throws(() => createDispatchDev({ ticketPrefix: 'cj' }, ctx), /ticketPrefix "cj" must be 1–6 capital letters/);
  assert.deepEqual(desk.tickets('yancheng'), []);
});
