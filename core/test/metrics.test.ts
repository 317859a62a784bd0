/**
 * Issue 15: /metrics in Prometheus format after a case flows through, and /readyz. A Harbin
 * case in call and another waiting, a claim push queued for an insurer, events relayed into
 * the analytics sink: each series holds the value the database and the clock say, labels
 * carry route patterns and tenants (never a case id or a phone), and only who may scrape does.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { answer, reported, seatReady } from '@kuaichu/testkit/cases';
import { forTenant } from '../src/db/tenantDb.ts';
import { deliveriesRepo } from '../src/deliveries/store.ts';
import { observabilityOf } from '../src/metrics/index.ts';
import type { ClaimPush } from '../src/ports/insurer.ts';

/** The value of one series (`name{labels}`), or undefined when it is not exposed. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('/metrics and /readyz', () => {
  let t: TestCore;
  let inCall: string;
  const waitingPhone = '13900150002';
  before(async () => {
    t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', { analytics: true });
    const seat = await seatReady(t);
    inCall = (await reported(t, '13900150001')).id;
    await answer(t, inCall, seat);
    const waiting = await reported(t, waitingPhone);
    // A claim push to an insurer, queued in the deliveries outbox (no worker runs in tests).
    const push: ClaimPush = { tenant: 'harbin', caseId: waiting.id, insurerId: 'picc', plate: '黑A12345', determinationNo: 'HRB-2026-000001', documentUrl: 'https://kuaichu.test/verify/x', phone: waitingPhone, liability: 'full' };
    await forTenant(t.db, 'harbin').tx((q) => deliveriesRepo.enqueue(q, { kind: 'claim', caseId: waiting.id, target: 'picc', plate: '黑A12345', key: 'metrics-test-claim', payload: push, actor: 'system', at: t.clock.now() }));
    t.clock.advance(30_000);
    await t.core.drain();
  });
  after(async () => {
    await t?.close();
  });

  const scrape = async (headers: Record<string, string> = {}, remoteAddress?: string) =>
    t.call('GET', '/metrics', { headers, ...(remoteAddress ? { remoteAddress } : {}) });

  test('the series of issue 15 hold what the case flow left', async () => {
    const r = await scrape();
    assert.equal(r.statusCode, 200, r.body);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = r.body;
    // HTTP latency by route pattern.
    assert.ok(sample(text, 'kuaichu_http_request_duration_seconds_count', { method: 'POST', route: '/api/cases', status: '201' })! >= 2);
    assert.equal(sample(text, 'kuaichu_http_request_duration_seconds_count', { method: 'POST', route: '/api/cases/:id/answer', status: '200' }), 1);
    assert.ok(sample(text, 'kuaichu_http_request_duration_seconds_bucket', { route: '/api/cases', le: '+Inf' })! >= 2);
    // The queue: one case waits at 道里 since 30 s; the brigades with nobody waiting show 0.
    assert.equal(sample(text, 'kuaichu_queue_depth', { tenant: 'harbin', brigade: 'daoli' }), 1);
    assert.equal(sample(text, 'kuaichu_queue_oldest_wait_seconds', { tenant: 'harbin', brigade: 'daoli' }), 30);
    assert.equal(sample(text, 'kuaichu_queue_depth', { tenant: 'harbin', brigade: 'nangang' }), 0);
    assert.equal(sample(text, 'kuaichu_calls_in_progress', { tenant: 'harbin', state: 'in_call' }), 1);
    assert.equal(sample(text, 'kuaichu_seats', { tenant: 'harbin', status: 'busy' }), 1);
    assert.equal(sample(text, 'kuaichu_seats', { tenant: 'harbin', status: 'available' }), 0);
    // Outboxes: every event relayed; the claim push waits 30 s.
    assert.equal(sample(text, 'kuaichu_outbox_unpublished_events', { tenant: 'harbin' }), 0);
    assert.equal(sample(text, 'kuaichu_outbox_lag_seconds', { tenant: 'harbin' }), 0);
    assert.equal(sample(text, 'kuaichu_delivery_backlog', { tenant: 'harbin', kind: 'claim', status: 'queued' }), 1);
    assert.equal(sample(text, 'kuaichu_delivery_oldest_seconds', { tenant: 'harbin', kind: 'claim' }), 30);
    // The analytics sink took the four relayed events (two reports, the ring, the answer); how late
    // depends on whether the relay (woken by each commit) took them before the clock moved on.
    assert.equal(sample(text, 'kuaichu_analytics_sink_events_total'), 4);
    const lag = sample(text, 'kuaichu_analytics_sink_lag_seconds')!;
    assert.ok(lag >= 0 && lag <= 30, `sink lag ${lag}`);
    // Readiness as a series too; no media in this process, so no media series.
    assert.equal(sample(text, 'kuaichu_ready', { component: 'db' }), 1);
    assert.equal(sample(text, 'kuaichu_ready', { component: 'bus' }), 1);
    assert.equal(sample(text, 'kuaichu_media_workers', { state: 'live' }), undefined);
    assert.ok(sample(text, 'kuaichu_process_resident_memory_bytes')! > 0);
    // No personal data and no ids in any label.
    assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, 'no case id');
    assert.ok(!text.includes(waitingPhone) && !text.includes('13900150001'), 'no phone');
  });

  test('who may scrape: this machine without a proxy, or the bearer token once one is set', async () => {
    const o = observabilityOf(t.core.app);
    assert.equal((await scrape({}, '10.1.2.3')).statusCode, 403, 'another machine, no token configured');
    assert.equal((await scrape({ 'x-forwarded-for': '198.51.100.9' })).statusCode, 403, 'forwarded by the balancer');
    o.bind({ token: 'scrape-secret-0123456789' });
    try {
      const none = await scrape({}, '10.1.2.3');
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().error.code, 'KC_UNAUTHENTICATED');
      assert.equal((await scrape({ authorization: 'Bearer wrong' }, '10.1.2.3')).statusCode, 401);
      assert.equal((await scrape({ authorization: 'Bearer scrape-secret-0123456789' }, '10.1.2.3')).statusCode, 200);
    } finally {
      o.bind({ token: '' });
    }
  });

  test('/readyz: the database, the bus (and the media workers when there are any)', async () => {
    const ok = await t.call('GET', '/readyz');
    assert.equal(ok.statusCode, 200);
    const { cities, ...checks } = ok.json() as { cities: string[] };
    assert.deepEqual(checks, { ok: true, db: 'pglite', bus: true, media: null });
    assert.ok(cities.includes('harbin'));
    const o = observabilityOf(t.core.app);
    o.bind({ bus: { ...t.core.bus, check: async () => { throw new Error('broker 10.0.0.7:9092 unreachable'); } } });
    try {
      const down = await t.call('GET', '/readyz');
      assert.equal(down.statusCode, 503);
      assert.equal(down.json().error.code, 'KC_UNAVAILABLE');
      assert.deepEqual(down.json().error.details, { db: true, bus: false, media: null });
      assert.ok(!down.body.includes('10.0.0.7'), 'the reason goes to the log, not to the public');
      assert.equal(sample((await scrape()).body, 'kuaichu_ready', { component: 'bus' }), 0);
    } finally {
      o.bind({ bus: t.core.bus });
    }
  });
});
