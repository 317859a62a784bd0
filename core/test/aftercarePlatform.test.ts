/**
 * Yancheng's 云车通 platform services (issue 14): injury direct-pay (人伤直赔) and one-key rescue
 * (一键救援) — the pure rules on a set clock, then the whole flow over the HTTP API on PGlite with
 * real partner accounts (core/src/partners): refusals of a used, expired or altered QR, a hospital of
 * another tenant, an insurer not on the bill, a tenant without the feature; rescue offered nearest
 * first, passed on by decline and by timeout (the manual clock), the party's view approaching.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { candidates, advanceOffer, distanceKm, etaMinutes, OFFER_SECONDS, type OfferState, type TowVehicle } from '../src/rescue/dispatch.ts';
import { codeMatches, directPayCode, scanRefusal, yuan } from '../src/directPay/qrCode.ts';
import { createOrg, createPerson } from '../src/partners/accounts.ts';
import { createPartnerSession } from '../src/auth/sessions.ts';
import { forTenant } from '../src/db/tenantDb.ts';
import { PLACES } from './helpers.ts';
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { citiesDir } from '../src/paths.ts';

/**
 * The cities of this file: Harbin (no platform), Yancheng, and a second tenant with Yancheng's
 * platform ("yanchengb", the same profile under another tenant id) whose hospital must not
 * find Yancheng's codes.
 */
function cities(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-aftercare-cities-'));
  symlinkSync(path.join(citiesDir, 'geo'), path.join(dir, 'geo'));
  for (const f of ['harbin.yaml', 'yancheng.yaml']) copyFileSync(path.join(citiesDir, f), path.join(dir, f));
  writeFileSync(path.join(dir, 'yanchengb.yaml'), readFileSync(path.join(citiesDir, 'yancheng.yaml'), 'utf8').replace(/^tenant: yancheng$/m, 'tenant: yanchengb'));
  return dir;
}

const SECRET = 'a-test-secret-of-enough-length';
const NOW = new Date('2026-06-01T02:00:00Z');
const SCENE = { lng: PLACES.yancheng.盐都区[0], lat: PLACES.yancheng.盐都区[1] };

describe('rescue dispatch rules', () => {
  test('great-circle distance: one degree of latitude is ~111.2 km; a point to itself is 0', () => {
    assert.ok(Math.abs(distanceKm({ lng: 120, lat: 33 }, { lng: 120, lat: 34 }) - 111.2) < 0.1);
    assert.equal(distanceKm(SCENE, SCENE), 0);
  });
  test('the estimated arrival grows with distance and is at least a minute', () => {
    assert.equal(etaMinutes(0), 1);
    assert.ok(etaMinutes(10) > etaMinutes(2));
    assert.equal(etaMinutes(10), Math.ceil(10 * 1.3 / 30 * 60));
  });
  const v = (id: string, dLat: number, status: TowVehicle['status'] = 'available', ageS = 0): TowVehicle =>
    ({ id, status, lng: SCENE.lng, lat: SCENE.lat + dLat, positionAt: new Date(NOW.getTime() - ageS * 1000) });
  test('candidates: available, fresh, not passed; nearest first', () => {
    const list = candidates([v('far', 0.05), v('near', 0.01), v('busy', 0.001, 'busy'), v('stale', 0.002, 'available', 3600), v('mid', 0.02)], SCENE, new Set(['mid']), NOW);
    assert.deepEqual(list.map((x) => x.id), ['near', 'far']);
  });
  test('an offer goes to the nearest, then on timeout and decline to the next; none left → waiting', () => {
    const fleet = [v('a', 0.01), v('b', 0.02), v('c', 0.03)];
    let s: OfferState = { status: 'waiting', offeredTo: null, offerExpiresAt: null, passed: [] };
    s = advanceOffer(s, fleet, SCENE, NOW);
    assert.equal(s.offeredTo, 'a');
    assert.equal(advanceOffer(s, fleet, SCENE, new Date(NOW.getTime() + (OFFER_SECONDS - 1) * 1000)), s, 'within the offer time nothing moves');
    s = advanceOffer(s, fleet, SCENE, new Date(NOW.getTime() + OFFER_SECONDS * 1000));
    assert.equal(s.offeredTo, 'b');
    assert.deepEqual(s.passed, ['a']);
    s = advanceOffer({ ...s, passed: [...s.passed, 'b'], offeredTo: 'c' }, [v('a', 0.01), v('b', 0.02), v('c', 0.03, 'offline')], SCENE, NOW);
    assert.equal(s.status, 'waiting', 'the offered vehicle went offline and nobody is left');
  });
});

describe('direct-pay code rules', () => {
  const voucher = { tenant: 'yancheng', id: '0190a000-0000-7000-8000-000000000001', caseId: '0190a000-0000-7000-8000-000000000002', expiresAt: new Date('2026-06-03T02:00:00Z') };
  test('the code is 16 base32 characters, keyed, and bound to tenant, voucher, case and expiry', () => {
    const code = directPayCode(voucher, SECRET);
    assert.match(code, /^[A-Z2-7]{16}$/);
    assert.ok(codeMatches(code.toLowerCase().replace(/(.{4})/g, '$1-'), voucher, SECRET), 'typed in groups and lower case');
    assert.ok(!codeMatches(code, { ...voucher, tenant: 'kunming' }, SECRET));
    assert.ok(!codeMatches(code, { ...voucher, expiresAt: new Date('2026-06-04T02:00:00Z') }, SECRET));
    assert.ok(!codeMatches(code, voucher, `${SECRET}-other`));
  });
  test('scan refusals: used, revoked, expired', () => {
    assert.equal(scanRefusal({ status: 'issued', expiresAt: voucher.expiresAt }, NOW), null);
    assert.equal(scanRefusal({ status: 'admitted', expiresAt: voucher.expiresAt }, NOW), 'used');
    assert.equal(scanRefusal({ status: 'revoked', expiresAt: voucher.expiresAt }, NOW), 'revoked');
    assert.equal(scanRefusal({ status: 'issued', expiresAt: voucher.expiresAt }, voucher.expiresAt), 'expired');
  });
  test('amounts in fen print as yuan', () => {
    assert.equal(yuan(235_000_000), '2350000.00');
    assert.equal(yuan(12_345), '123.45');
  });
});

describe('direct-pay and rescue over the API (PGlite)', () => {
  let t: TestCore;
  const partners = new Map<string, { personId: string; token: string; expiresAt: Date }>();
  /** A partner person's session token (signed in again once the clock ran past it); the organisation made on first use. */
  async function partner(tenant: string, kind: 'hospital' | 'insurer' | 'tow', name: string, username: string, code?: string): Promise<string> {
    const key = `${tenant}/${username}`;
    let p = partners.get(key);
    if (!p) {
      const ctx = t.core.ctx;
      const orgs = await forTenant(t.db, tenant).query<{ id: string }>('SELECT id FROM partner_orgs WHERE tenant = $1 AND name = $2', [tenant, name]);
      const orgId = orgs[0]?.id ?? (await createOrg(ctx, tenant, { kind, name, code: code ?? null })).id;
      const person = await createPerson(ctx, tenant, orgId, { username, displayName: `${name}·${username}`, password: 'Correct-Horse-Battery-9' });
      p = { personId: person.id, token: '', expiresAt: new Date(0) };
      partners.set(key, p);
    }
    if (p.expiresAt <= t.clock.now()) Object.assign(p, await createPartnerSession(t.db, t.clock.now(), tenant, p.personId));
    return p.token;
  }
  async function yanchengCase(phone: string, injury: 'minor' | 'none'): Promise<{ id: string; party: string }> {
    const party = await t.party('yancheng', phone);
    const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: `ac-${phone}-${injury}`, report: { location: SCENE, kind: 'motor_non_motor', injury, channel: 'video_phone' } } });
    assert.equal(r.statusCode, 201, r.body);
    return { id: r.json().id, party };
  }

  before(async () => { t = await startTestCore({ kind: 'pglite' }, undefined, { citiesDir: cities() }); });
  after(async () => { await t?.close(); });

  test('an injury QR: issued by the officer, scanned by the hospital, billed, settled by the insurer; ledger totals; refusals', async () => {
    const officer = await t.staff('yancheng', 'officer');
    const { id, party } = await yanchengCase('13900001401', 'minor');
    const issued = await t.call('POST', `/api/cases/${id}/direct-pay`, { token: officer, body: { injuredName: '王小明', injuredIdNumber: '320902199001011234', injuredPhone: '13900001402', insurerId: 'pingan' } });
    assert.equal(issued.statusCode, 201, issued.body);
    const bill = issued.json();
    assert.match(bill.code, /^[A-Z2-7]{16}$/);
    assert.match(bill.qrSvg, /^<svg/);
    assert.ok(bill.qrUrl.endsWith(bill.code));

    // A party asks to see it: status issued.
    assert.equal((await t.call('GET', `/api/cases/${id}/direct-pay`, { token: party })).json()[0].status, 'issued');

    // Refusals before any scan: not a minor-injury case; an unknown insurer; a seat or the party cannot issue.
    const plain = await yanchengCase('13900001403', 'none');
    const refused = await t.call('POST', `/api/cases/${plain.id}/direct-pay`, { token: officer, body: { injuredName: '李四', insurerId: 'pingan' } });
    assert.equal(refused.json().error.code, 'KC_DIRECT_PAY_NOT_ELIGIBLE');
    assert.equal((await t.call('POST', `/api/cases/${id}/direct-pay`, { token: officer, body: { injuredName: '李四', insurerId: 'nope' } })).json().error.code, 'KC_VALIDATION');
    assert.equal((await t.call('POST', `/api/cases/${id}/direct-pay`, { token: party, body: { injuredName: '李四', insurerId: 'pingan' } })).statusCode, 401);

    // A hospital of another tenant cannot find the code (its tenant's rows only): 404.
    const foreignHospital = await partner('yanchengb', 'hospital', '另一城市的医院', 'yb-hospital');
    const foreign = await t.call('POST', '/api/hospital/direct-pay/scan', { token: foreignHospital, body: { code: bill.code } });
    assert.equal(foreign.statusCode, 404, foreign.body);
    assert.equal(foreign.json().error.code, 'KC_DIRECT_PAY_CODE_INVALID');
    assert.equal((await t.call('POST', `/api/hospital/direct-pay/${bill.id}/treatment`, { token: foreignHospital, body: { treatment: 'x', amountFen: 1 } })).statusCode, 404);
    // Staff of the same tenant is no hospital: 403.
    assert.equal((await t.call('POST', '/api/hospital/direct-pay/scan', { token: officer, body: { code: bill.code } })).statusCode, 403);
    const hospital = await partner('yancheng', 'hospital', '盐城市第一人民医院', 'yc-hospital');
    const insurerToken = await partner('yancheng', 'insurer', '中国平安盐城', 'yc-pingan', 'pingan');
    const otherInsurer = await partner('yancheng', 'insurer', '中国人保盐城', 'yc-picc', 'picc');
    // An insurer cannot scan (403); an altered code is 404.
    assert.equal((await t.call('POST', '/api/hospital/direct-pay/scan', { token: insurerToken, body: { code: bill.code } })).statusCode, 403);
    const altered = bill.code.slice(0, 15) + (bill.code[15] === 'A' ? 'B' : 'A');
    assert.equal((await t.call('POST', '/api/hospital/direct-pay/scan', { token: hospital, body: { code: altered } })).json().error.code, 'KC_DIRECT_PAY_CODE_INVALID');

    // The scan: only what the hospital needs.
    const scanned = await t.call('POST', '/api/hospital/direct-pay/scan', { token: hospital, body: { code: bill.code.toLowerCase() } });
    assert.equal(scanned.statusCode, 200, scanned.body);
    const seen = scanned.json();
    assert.equal(seen.status, 'admitted');
    assert.ok(seen.injuredName.startsWith('王') && !seen.injuredName.includes('小明'), seen.injuredName);
    assert.ok(!JSON.stringify(seen).includes('320902199001011234'), 'the ID number is masked');
    assert.ok(!JSON.stringify(seen).includes('13900001402'), 'no phone');
    assert.equal(seen.code, undefined, 'the code is not shown again');
    assert.equal(seen.insurer.zh, '中国平安');
    assert.ok(seen.caseNumber.length > 0);
    // A used code.
    assert.equal((await t.call('POST', '/api/hospital/direct-pay/scan', { token: hospital, body: { code: bill.code } })).json().error.code, 'KC_DIRECT_PAY_CODE_USED');

    // The insurer cannot settle before the bill; the hospital bills.
    assert.equal((await t.call('POST', `/api/insurer/direct-pay/${bill.id}/settle`, { token: insurerToken, body: {} })).json().error.code, 'KC_TRANSITION_NOT_ALLOWED');
    assert.equal((await t.call('POST', `/api/hospital/direct-pay/${bill.id}/treatment`, { token: hospital, body: { treatment: '清创缝合，X 光检查', amountFen: 0 } })).statusCode, 400);
    const billed = await t.call('POST', `/api/hospital/direct-pay/${bill.id}/treatment`, { token: hospital, body: { treatment: '清创缝合，X 光检查', amountFen: 86_050 } });
    assert.equal(billed.statusCode, 200, billed.body);
    assert.equal(billed.json().status, 'billed');

    // The other insurer is not on the bill: it neither sees nor settles it.
    assert.deepEqual((await t.call('GET', '/api/insurer/direct-pay', { token: otherInsurer })).json(), []);
    assert.equal((await t.call('POST', `/api/insurer/direct-pay/${bill.id}/settle`, { token: otherInsurer, body: {} })).statusCode, 404);
    const list = (await t.call('GET', '/api/insurer/direct-pay', { token: insurerToken })).json();
    assert.equal(list.length, 1);
    assert.equal(list[0].amountFen, 86_050);
    const settled = await t.call('POST', `/api/insurer/direct-pay/${bill.id}/settle`, { token: insurerToken, body: { settlementRef: 'PA-2026-0001' } });
    assert.equal(settled.json().status, 'settled');
    assert.equal((await t.call('POST', `/api/insurer/direct-pay/${bill.id}/settle`, { token: insurerToken, body: {} })).json().error.code, 'KC_TRANSITION_NOT_ALLOWED');

    // The party and the officer see the status; the ledger totals.
    const partyView = (await t.call('GET', `/api/cases/${id}/direct-pay`, { token: party })).json()[0];
    assert.equal(partyView.status, 'settled');
    assert.equal(partyView.hospital, '盐城市第一人民医院');
    assert.equal((await t.call('GET', `/api/cases/${id}/direct-pay`, { token: officer })).json()[0].amountFen, 86_050);
    const ledger = (await t.call('GET', '/api/direct-pay/ledger', { token: officer })).json();
    assert.deepEqual({ advanced: ledger.advancedFen, settled: ledger.settledFen, outstanding: ledger.outstandingFen, billed: ledger.billed }, { advanced: 86_050, settled: 86_050, outstanding: 0, billed: 1 });
    assert.equal((await t.call('GET', '/api/direct-pay/ledger', { token: await t.staff('yancheng', 'seat-1').catch(() => officer) })).statusCode === 200, true);

    // An expired code (48 hours on the clock).
    const second = (await t.call('POST', `/api/cases/${id}/direct-pay`, { token: officer, body: { injuredName: '王小明', insurerId: 'pingan' } })).json();
    t.clock.advance(48 * 3600_000);
    const expired = await t.call('POST', '/api/hospital/direct-pay/scan', { token: await partner('yancheng', 'hospital', '盐城市第一人民医院', 'yc-hospital'), body: { code: second.code } });
    assert.equal(expired.statusCode, 410);
    assert.equal(expired.json().error.code, 'KC_DIRECT_PAY_CODE_EXPIRED');
  });

  test('the officer revokes a voucher no hospital has scanned: its code is refused at scan; a scanned one cannot be revoked', async () => {
    const officer = await t.staff('yancheng', 'officer');
    const { id, party } = await yanchengCase('13900001421', 'minor');
    const other = await yanchengCase('13900001422', 'minor');
    const issue = async () => (await t.call('POST', `/api/cases/${id}/direct-pay`, { token: officer, body: { injuredName: '赵六', insurerId: 'pingan' } })).json();
    const a = await issue();
    const b = await issue();
    const revoke = (caseId: string, billId: string, token = officer) => t.call('POST', `/api/cases/${caseId}/direct-pay/${billId}/revoke`, { token, body: {} });

    // Only an officer: the party is refused, nothing changes.
    assert.ok([401, 403].includes((await revoke(id, a.id, party)).statusCode));
    assert.equal((await t.call('GET', `/api/cases/${id}/direct-pay`, { token: party })).json().find((x: { id: string }) => x.id === a.id).status, 'issued');
    // Another case's voucher, or none at all: 404.
    assert.equal((await revoke(other.id, a.id)).statusCode, 404);
    assert.equal((await revoke(id, '00000000-0000-4000-8000-000000000000')).statusCode, 404);
    assert.equal((await revoke(id, 'not-a-uuid')).statusCode, 404);

    const revoked = await revoke(id, a.id);
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal(revoked.json().status, 'revoked');
    assert.equal((await t.call('GET', `/api/cases/${id}/direct-pay`, { token: party })).json().find((x: { id: string }) => x.id === a.id).status, 'revoked', 'the party sees it withdrawn');
    assert.equal((await revoke(id, a.id)).statusCode, 409, 'revoked once');
    // The case event the analytics take it out of "issued" by (the case's revoked count): one, not two.
    const events = async (type: string) => (await forTenant(t.db, 'yancheng').query<{ payload: Record<string, unknown> }>(
      'SELECT payload FROM case_events WHERE tenant = $1 AND case_id = $2 AND type = $3 ORDER BY seq', ['yancheng', id, type])).map((e) => e.payload);
    assert.deepEqual(await events('direct_pay.revoked'), [{ billId: a.id, revokedOfCase: 1 }]);
    assert.deepEqual((await events('direct_pay.issued')).map((e) => e.vouchersOfCase), [1, 2]);
    const hospital = await partner('yancheng', 'hospital', '盐城市第三人民医院', 'yc-hospital-3');
    const scanRevoked = await t.call('POST', '/api/hospital/direct-pay/scan', { token: hospital, body: { code: a.code } });
    assert.equal(scanRevoked.statusCode, 410, scanRevoked.body);
    assert.equal(scanRevoked.json().error.code, 'KC_DIRECT_PAY_CODE_USED');

    // A scanned voucher is the hospital's bill now: not revoked.
    assert.equal((await t.call('POST', '/api/hospital/direct-pay/scan', { token: hospital, body: { code: b.code } })).statusCode, 200);
    const late = await revoke(id, b.id);
    assert.equal(late.statusCode, 409, late.body);
    assert.equal(late.json().error.details.state, 'admitted');
    const all = (await t.call('GET', `/api/cases/${id}/direct-pay`, { token: officer })).json() as Array<{ id: string; status: string }>;
    assert.deepEqual(all.map((x) => `${x.id === a.id ? 'a' : 'b'}:${x.status}`).sort(), ['a:revoked', 'b:admitted']);
  });

  test('a city whose profile lists no platform feature: KC_FEATURE_NOT_OFFERED', async () => {
    const r = await t.call('GET', '/api/direct-pay/ledger', { token: await t.staff('harbin', 'officer') });
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().error.code, 'KC_FEATURE_NOT_OFFERED');
    assert.equal(r.json().error.details.feature, 'injury_direct_compensation');
  });

  test('one-key rescue: the nearest of three vehicles is offered first, then the next on decline and timeout; the party sees it approach', async () => {
    const crews: string[] = [];
    for (const n of ['1', '2', '3']) crews.push(await partner('yancheng', 'tow', '盐城清障救援', `tow-${n}`));
    // Three vehicles north of the scene: 1 at ~1.1 km, 2 at ~2.2 km, 3 at ~4.4 km.
    const at = (dLat: number) => ({ lng: SCENE.lng, lat: SCENE.lat + dLat });
    const plates = ['苏J12341', '苏J12342', '苏J12343'];
    for (const [i, dLat] of [0.02, 0.01, 0.04].entries()) {
      const r = await t.call('POST', '/api/tow/position', { token: crews[i]!, body: { plate: plates[i], ...at(dLat), available: true } });
      assert.equal(r.statusCode, 200, r.body);
    }
    const { id, party } = await yanchengCase('13900001404', 'none');
    const asked = await t.call('POST', `/api/cases/${id}/rescue`, { token: party, body: { ...SCENE, insurerId: 'pingan' } });
    assert.equal(asked.statusCode, 201, asked.body);
    assert.equal(asked.json().status, 'offering');
    assert.match(asked.json().workOrderNo, /^YCG-JY-2026-\d{6}$/);
    assert.match(asked.json().insurerReportNo, /^PINGAN-BA-/);
    // A second tap returns the same rescue.
    assert.equal((await t.call('POST', `/api/cases/${id}/rescue`, { token: party, body: SCENE })).json().id, asked.json().id);

    const job = async (i: number) => (await t.call('GET', '/api/tow/job', { token: crews[i]! })).json().job;
    assert.equal((await job(1))?.status, 'offering', 'crew 2 (nearest) is offered the job');
    assert.equal(await job(0), null);
    // Crew 1 (not offered) cannot take it.
    assert.equal((await t.call('POST', `/api/tow/rescues/${asked.json().id}/accept`, { token: crews[0]! })).statusCode, 404);
    // Crew 2 declines → crew 1 (next nearest).
    assert.equal((await t.call('POST', `/api/tow/rescues/${asked.json().id}/decline`, { token: crews[1]! })).statusCode, 200);
    assert.equal((await job(0))?.status, 'offering');
    // Crew 1 lets the offer lapse → crew 3.
    t.clock.advance(OFFER_SECONDS * 1000);
    for (const [i, dLat] of [0.02, 0.01, 0.04].entries()) await t.call('POST', '/api/tow/position', { token: crews[i]!, body: { plate: plates[i], ...at(dLat), available: true } });
    assert.equal(await job(0), null);
    assert.equal((await job(2))?.status, 'offering');
    // A lapsed offer cannot be accepted.
    assert.equal((await t.call('POST', `/api/tow/rescues/${asked.json().id}/accept`, { token: crews[0]! })).json().error.code, 'KC_RESCUE_OFFER_GONE');
    const accepted = await t.call('POST', `/api/tow/rescues/${asked.json().id}/accept`, { token: crews[2]! });
    assert.equal(accepted.json().job.status, 'accepted');

    // The party sees the crew and the vehicle approaching.
    const first = (await t.call('GET', `/api/cases/${id}/rescue`, { token: party })).json();
    assert.equal(first.status, 'accepted');
    assert.equal(first.vehicle.company, '盐城清障救援');
    assert.ok(first.etaMinutes >= 1);
    t.clock.advance(30_000);
    await t.call('POST', '/api/tow/position', { token: crews[2]!, body: { plate: plates[2], ...at(0.01), available: true } });
    const closer = (await t.call('GET', `/api/cases/${id}/rescue`, { token: party })).json();
    assert.ok(closer.distanceKm < first.distanceKm, `${closer.distanceKm} < ${first.distanceKm}`);
    assert.ok(closer.etaMinutes <= first.etaMinutes);
    // Completion before arrival is refused; arrival then completion; the vehicle is free again.
    assert.equal((await t.call('POST', `/api/tow/rescues/${asked.json().id}/completed`, { token: crews[2]! })).json().error.code, 'KC_TRANSITION_NOT_ALLOWED');
    assert.equal((await t.call('POST', `/api/tow/rescues/${asked.json().id}/arrived`, { token: crews[2]! })).statusCode, 200);
    const done = await t.call('POST', `/api/tow/rescues/${asked.json().id}/completed`, { token: crews[2]! });
    assert.equal(done.json().vehicle.status, 'available');
    assert.equal((await t.call('GET', `/api/cases/${id}/rescue`, { token: party })).json().status, 'completed');

    // Another party cannot see or ask for this case's rescue (404); staff cannot ask.
    const stranger = await t.party('yancheng', '13900001405');
    assert.equal((await t.call('GET', `/api/cases/${id}/rescue`, { token: stranger })).statusCode, 404);
    assert.equal((await t.call('POST', `/api/cases/${id}/rescue`, { token: await t.staff('yancheng', 'officer'), body: SCENE })).statusCode, 403);
    // A hospital is no tow crew.
    assert.equal((await t.call('GET', '/api/tow/job', { token: await partner('yancheng', 'hospital', '盐城市第一人民医院', 'yc-hospital') })).statusCode, 403);
  });
});

describe('the rescue map', () => {
  let t: TestCore;
  before(async () => { t = await startTestCore({ kind: 'pglite' }, undefined, { citiesDir: cities() }); });
  after(async () => { await t?.close(); });
  test("the party gets its city's districts; a city without rescue is refused; nobody signed in 401", async () => {
    const r = await t.call('GET', '/api/rescue/map', { token: await t.party('yancheng', '13900001410') });
    assert.equal(r.statusCode, 200, r.body);
    assert.ok(r.json().districts.some((d: { name: string }) => d.name === '亭湖区'));
    assert.ok(r.json().boundaries.features.length > 2);
    assert.equal((await t.call('GET', '/api/rescue/map', { token: await t.party('harbin', '13900001411') })).json().error.code, 'KC_FEATURE_NOT_OFFERED');
    assert.equal((await t.call('GET', '/api/rescue/map')).statusCode, 401);
  });
});
