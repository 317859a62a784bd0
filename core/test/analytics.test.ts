/**
 * The analysts' API over HTTP with the real event path: cases go through the case API, the
 * outbox relay carries their events to the in-process bus and the ClickHouse sink (chdb in
 * a temp folder), and the metrics come back through GET /api/analytics/metrics. Who sees
 * what: a city's analyst only their city (naming another is 403), a provincial analyst the
 * cities of their province (another province's is 403), everyone else 403, nobody 401.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { PLACES } from './helpers.ts';
import { recordHarbinChecklist } from '@kuaichu/testkit/harbinCase';
import { CSV_HEADER } from '../src/http/metricsCsv.ts';

const at = (lngLat: readonly number[]) => ({ lng: lngLat[0]!, lat: lngLat[1]! });
const DAOLI = at(PLACES.harbin.道里区);
const NANGANG = at(PLACES.harbin.南岗区);
const ACHENG = at(PLACES.harbin.阿城区);
const WUHUA = at(PLACES.kunming.五华区);
const CHONGCHUAN = at(PLACES.nantong.崇川区);
const TINGHU = at(PLACES.yancheng.亭湖区);
const TONGZHOU = at(PLACES.nantong.通州区);

describe('analytics API', () => {
  let t: TestCore;
  let n = 0;
  const key = () => `analytics-${++n}-abcdef`;
  const get = async (url: string, token?: string, headers: Record<string, string> = {}) => t.call('GET', url, { ...(token ? { token } : {}), headers });

  async function report(tenant: string, phone: string, location: { lng: number; lat: number }) {
    const party = await t.party(tenant, phone);
    const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: key(), report: { location, kind: 'motor_motor' } } });
    assert.equal(r.statusCode, 201, r.body);
    return { id: r.json().id as string, party, state: r.json().state as string };
  }

  async function answer(tenant: string, seatName: string, id: string) {
    const seat = await t.staff(tenant, seatName);
    assert.equal((await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } })).statusCode, 200);
    await t.core.tick();
    const r = await t.call('POST', `/api/cases/${id}/answer`, { token: seat });
    assert.equal(r.statusCode, 200, r.body);
    return seat;
  }

  /** The whole Harbin checklist on the call (both parties, drivers and cars), then the leave notice. */
  async function leaveScene(id: string, seat: string) {
    await recordHarbinChecklist(t, id, seat);
    const r = await t.call('POST', `/api/cases/${id}/evacuate`, { token: seat });
    assert.equal(r.json().state, 'evacuated', r.body);
  }

  before(async () => {
    t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00', { analytics: true });
    // Harbin, 1 June: answered after 12 s and handled for 4 min; a second one answered after 45 s
    // (past Harbin's 30 s target) and escalated; one abandoned in the queue; one refused (阿城区).
    const a = await report('harbin', '13800000101', DAOLI);
    t.clock.advance(12_000);
    const seatA = await answer('harbin', 'seat-daoli', a.id);
    t.clock.advance(240_000);
    await leaveScene(a.id, seatA);
    const officer = await t.staff('harbin', 'officer');
    t.clock.advance(300_000);
    const d = await t.call('POST', `/api/cases/${a.id}/determination`, { token: officer, body: { facts: '两车同向行驶时发生追尾。', parties: [
      { name: '张伟', plate: '黑A12345', insurerId: 'picc', faultBehaviour: '未保持安全距离', liability: 'full' },
      { name: '李娜', plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' },
    ] } });
    assert.equal(d.statusCode, 201, d.body);

    const b = await report('harbin', '13800000102', NANGANG);
    t.clock.advance(45_000);
    const seatB = await answer('harbin', 'seat-nangang', b.id);
    t.clock.advance(60_000);
    assert.equal((await t.call('POST', `/api/cases/${b.id}/escalate`, { token: seatB, body: { reason: '有人受伤较重' } })).statusCode, 200);

    const c = await report('harbin', '13800000103', DAOLI);
    t.clock.advance(90_000);
    assert.equal((await t.call('POST', `/api/cases/${c.id}/abandon`, { token: c.party })).json().state, 'abandoned');

    const refused = await report('harbin', '13800000104', ACHENG);
    assert.equal(refused.state, 'ineligible');

    // Kunming, the same morning: one case answered at once and escalated.
    t.clock.set('2026-06-01T10:30:00+08:00');
    const k = await report('kunming', '13900000101', WUHUA);
    const seatK = await answer('kunming', 'seat-wuhua', k.id);
    t.clock.advance(30_000);
    assert.equal((await t.call('POST', `/api/cases/${k.id}/escalate`, { token: seatK, body: { reason: '需现场处理' } })).statusCode, 200);

    // Jiangsu (江苏): two reports in Nantong, one in Yancheng, left in the queue.
    t.clock.set('2026-06-01T11:00:00+08:00');
    await report('nantong', '13700000101', CHONGCHUAN);
    await report('nantong', '13700000102', TONGZHOU);
    await report('yancheng', '13600000101', TINGHU);
    await t.core.drain();
  });
  after(() => t?.close());

  test("Harbin's analyst gets Harbin's figures, equal to the store's own query", async () => {
    const analyst = await t.staff('harbin', 'analyst');
    const r = await get('/api/analytics/metrics?from=2026-06-01&to=2026-06-01', analyst);
    assert.equal(r.statusCode, 200, r.body);
    const m = r.json();
    assert.deepEqual(m.tenants, ['harbin']);
    assert.equal(m.from, '2026-05-31T16:00:00.000Z', 'a date is a whole day in the city’s time zone');
    assert.equal(m.to, '2026-06-01T16:00:00.000Z');
    assert.deepEqual(m.targets.harbin.answerWithinSeconds, 30);
    const { total } = m;
    assert.deepEqual([total.reports, total.eligible, total.refused, total.answered, total.abandoned, total.escalated, total.evacuated, total.served], [4, 3, 1, 2, 1, 1, 1, 1]);
    assert.equal(total.serviceLevel, 0.333333, '1 of (2 answered + 1 abandoned) within 30 s');
    assert.deepEqual([total.speedOfAnswer.n, total.speedOfAnswer.mean], [2, 28.5]);
    assert.equal(total.handlingTime.mean, 240);
    assert.equal(total.timeToDetermination.mean, 552, '12 s + 240 s + 300 s');
    const direct = await t.core.analytics!.queryMetrics('harbin', { from: m.from, to: m.to });
    assert.deepEqual(total, direct.total, 'the API passes the store’s figures through unchanged');
    assert.equal(r.headers['cache-control'], 'private, no-store');
  });

  test('breakdowns carry labels: districts, seats by name, hours', async () => {
    const analyst = await t.staff('harbin', 'analyst');
    const byDistrict = (await get('/api/analytics/metrics?groupBy=district', analyst)).json();
    assert.deepEqual(byDistrict.groups.map((g: { key: string; reports: number }) => [g.key, g.reports]), [['南岗区', 1], ['道里区', 2], ['阿城区', 1]]);
    const bySeat = (await get('/api/analytics/metrics?groupBy=seat', analyst)).json();
    const labels = bySeat.groups.map((g: { label: string }) => g.label);
    assert.ok(labels.includes('道里区交警大队接警员 (seat-daoli)'), labels.join());
    const seatId = bySeat.groups.find((g: { label: string }) => g.label.includes('seat-daoli')).key;
    const oneSeat = (await get(`/api/analytics/metrics?seats=${seatId}`, analyst)).json();
    assert.equal(oneSeat.total.answered, 1);
    const byHour = (await get('/api/analytics/metrics?groupBy=hour', analyst)).json();
    assert.deepEqual(byHour.groups.map((g: { key: number; label: string }) => [g.key, g.label]), [[10, '10:00']]);
    const empty = (await get('/api/analytics/metrics?to=2026-05-31', analyst)).json();
    assert.equal(empty.total.reports, 0, 'to=<date> ends with that day');
  });

  test("Harbin's analyst cannot get Kunming's figures: naming Kunming is 403, not a silent Harbin answer", async () => {
    const analyst = await t.staff('harbin', 'analyst');
    for (const q of ['tenants=kunming', 'tenants=harbin,kunming']) {
      const r = await get(`/api/analytics/metrics?${q}`, analyst);
      assert.equal(r.statusCode, 403, q);
      assert.equal(r.json().error.code, 'KC_FORBIDDEN');
      assert.equal((await get(`/api/analytics/metrics.csv?${q}`, analyst)).statusCode, 403);
    }
    assert.equal((await get('/api/analytics/geo?tenant=kunming', analyst)).statusCode, 403);
    assert.equal((await get('/api/analytics/metrics?tenants=harbin', analyst)).statusCode, 200, 'naming one’s own city is fine');
    assert.equal((await get('/api/analytics/metrics?tenant=kunming', analyst)).statusCode, 400, 'unknown parameters are refused');
    const kunming = (await get('/api/analytics/metrics', await t.staff('kunming', 'analyst'))).json();
    assert.deepEqual([kunming.tenants, kunming.total.reports, kunming.total.escalated], [['kunming'], 1, 1]);
  });

  test('other roles get 403, nobody signed in 401, a party 401', async () => {
    for (const who of ['seat-daoli', 'officer', 'admin']) {
      const r = await get('/api/analytics/metrics', await t.staff('harbin', who));
      assert.equal(r.statusCode, 403, who);
      assert.equal(r.json().error.code, 'KC_FORBIDDEN');
    }
    for (const url of ['/api/analytics/metrics', '/api/analytics/metrics.csv', '/api/analytics/geo']) assert.equal((await get(url)).statusCode, 401, url);
    assert.equal((await get('/api/analytics/metrics', await t.party('harbin', '13800000199'))).statusCode, 401);
  });

  test("a provincial analyst sees the cities of their own city's province, split by city", async () => {
    // Nantong and Yancheng both name 江苏 in their profiles; Harbin and Kunming are in other provinces.
    const jiangsu = await t.staff('nantong', 'province');
    const all = (await get('/api/analytics/metrics?groupBy=city', jiangsu)).json();
    assert.deepEqual(all.tenants, ['nantong', 'yancheng']);
    assert.deepEqual(all.groups.map((g: { key: string; label: string; reports: number }) => [g.key, g.label, g.reports]), [['nantong', '南通', 2], ['yancheng', '盐城', 1]]);
    assert.equal(all.total.reports, 3, 'no Harbin or Kunming cases in the total');
    assert.deepEqual(Object.keys(all.targets).sort(), ['nantong', 'yancheng']);
    const one = (await get('/api/analytics/metrics?tenants=yancheng', jiangsu)).json();
    assert.deepEqual([one.tenants, one.total.reports], [['yancheng'], 1]);
    assert.equal((await get('/api/analytics/geo?tenant=yancheng', jiangsu)).json().tenant, 'yancheng');
    assert.equal((await get('/api/analytics/geo', jiangsu)).json().tenant, 'nantong', 'the map defaults to the own city');

    // Heilongjiang has one city among these profiles: Harbin's provincial analyst sees Harbin alone.
    const heilongjiang = (await get('/api/analytics/metrics?groupBy=city', await t.staff('harbin', 'province'))).json();
    assert.deepEqual([heilongjiang.tenants, heilongjiang.total.reports, heilongjiang.groups.map((g: { key: string }) => g.key)], [['harbin'], 4, ['harbin']]);
  });

  test('a provincial analyst naming a city of another province gets 403; an unknown city 404', async () => {
    const jiangsu = await t.staff('nantong', 'province');
    for (const q of ['tenants=kunming', 'tenants=nantong,harbin', 'tenants=harbin,kunming,nantong,yancheng']) {
      const r = await get(`/api/analytics/metrics?${q}`, jiangsu);
      assert.equal(r.statusCode, 403, q);
      assert.equal(r.json().error.code, 'KC_FORBIDDEN');
      assert.doesNotMatch(r.body, /"reports"/, 'no figures with the refusal');
      assert.equal((await get(`/api/analytics/metrics.csv?${q}`, jiangsu)).statusCode, 403, `${q} CSV`);
    }
    assert.equal((await get('/api/analytics/geo?tenant=harbin', jiangsu)).statusCode, 403);
    assert.equal((await get('/api/analytics/metrics?tenants=nantong', await t.staff('harbin', 'province'))).statusCode, 403);
    const unknown = await get('/api/analytics/metrics?tenants=atlantis', jiangsu);
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'KC_TENANT_NOT_FOUND');
  });

  test('CSV: BOM, header row, one row per group and the total, as an attachment', async () => {
    const analyst = await t.staff('harbin', 'analyst');
    const r = await get('/api/analytics/metrics.csv?from=2026-06-01&to=2026-06-01&groupBy=district', analyst);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(r.headers['content-disposition'], 'attachment; filename="kuaichu-metrics-harbin-district-2026-05-31-2026-06-01.csv"');
    assert.deepEqual([...r.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark for Excel');
    const lines = r.rawPayload.subarray(3).toString('utf8').split('\r\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines[0], CSV_HEADER.join(','));
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [CSV_HEADER[i], v])));
    assert.deepEqual(rows.map((x) => [x.group_by, x.key, x.reports, x.answered, x.abandoned]), [
      ['district', '南岗区', '1', '1', '0'], ['district', '道里区', '2', '1', '1'], ['district', '阿城区', '1', '0', '0'], ['total', '', '4', '2', '1'],
    ]);
    assert.equal(rows[1]!.handlingTime_mean_s, '240');
    assert.equal(rows[3]!.serviceLevel, '0.333333');
  });

  test("the city's district map: covered districts, boundaries, ETag and gzip", async () => {
    const analyst = await t.staff('harbin', 'analyst');
    const r = await get('/api/analytics/geo', analyst);
    assert.equal(r.statusCode, 200);
    const geo = r.json();
    assert.equal(geo.tenant, 'harbin');
    assert.deepEqual(geo.districts.map((d: { name: string }) => d.name), ['道里区', '南岗区', '道外区', '平房区', '松北区', '香坊区', '呼兰区']);
    assert.equal(geo.districts[0].brigadeId, 'daoli');
    assert.ok(geo.districts.every((d: { areaKm2: number }) => d.areaKm2 > 10));
    const features = geo.boundaries.features as Array<{ properties: { name: string; covered: boolean; brigadeId: string | null } }>;
    assert.equal(features.length, 18);
    assert.deepEqual(features.find((f) => f.properties.name === '阿城区')!.properties.covered, false);
    assert.deepEqual(features.find((f) => f.properties.name === '道里区')!.properties.brigadeId, 'daoli');
    const etag = r.headers.etag as string;
    assert.match(etag, /^"[\w-]+"$/);
    const again = await get('/api/analytics/geo', analyst, { 'if-none-match': etag });
    assert.equal(again.statusCode, 304);
    const zipped = await get('/api/analytics/geo', analyst, { 'accept-encoding': 'gzip, br' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8')), geo);
    assert.ok(zipped.rawPayload.length < r.rawPayload.length / 3);
  });

  test('bad filters are 400 with the reason', async () => {
    const analyst = await t.staff('harbin', 'analyst');
    for (const q of ['from=yesterday', 'groupBy=weekday', 'from=2026-06-02&to=2026-06-01', 'tenants=HARBIN', 'from=2026-13-45', 'to=2026-02-30', 'from=2026-00-10']) {
      const r = await get(`/api/analytics/metrics?${q}`, analyst);
      assert.equal(r.statusCode, 400, q);
      assert.equal(r.json().error.code, 'KC_VALIDATION');
    }
  });
});

test('analytics switched off (KUAICHU_ANALYTICS=off): 503 KC_ANALYTICS_OFF with a reason', async () => {
  const t = await startTestCore({ kind: 'pglite' });
  try {
    const analyst = await t.staff('harbin', 'analyst');
    const r = await t.call('GET', '/api/analytics/metrics', { token: analyst });
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().error.code, 'KC_ANALYTICS_OFF');
    assert.match(r.json().error.message, /KUAICHU_ANALYTICS=off/);
    assert.equal((await t.call('GET', '/api/analytics/geo', { token: analyst })).statusCode, 200, 'the map needs no analytics store');
  } finally {
    await t.close();
  }
});
