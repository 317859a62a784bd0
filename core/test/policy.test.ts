import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../src/policy/index.ts';
import { fixedClock } from '../src/clock.ts';
import { loadCities } from '../src/profile/index.ts';
import { city, report, PLACES } from './helpers.ts';
import type { AccidentReport } from '../src/generated/types.ts';

const at = (local: string) => fixedClock(`${local}+08:00`);
const daoli = PLACES.harbin.道里区;
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code).sort();

describe('service hours (Harbin 07:00–19:00, half-open, city time zone)', () => {
  for (const [time, open] of [['06:59', false], ['07:00', true], ['18:59', true], ['19:00', false], ['23:30', false], ['00:00', false]] as const) {
    test(`${time} → ${open ? 'open' : 'closed'}`, () => {
      const d = evaluate(city('harbin'), report(...daoli), at(`2026-06-01T${time}:00`));
      assert.equal(d.eligible, open);
      if (!open) assert.deepEqual(codes(d), ['outside_service_hours']);
    });
  }
  test('uses the city time zone, not the machine or UTC: 10:59Z is 18:59 in Harbin', () => {
    assert.equal(evaluate(city('harbin'), report(...daoli), fixedClock('2026-06-01T10:59:00Z')).eligible, true);
    assert.equal(evaluate(city('harbin'), report(...daoli), fixedClock('2026-06-01T11:00:00Z')).eligible, false);
  });
  test('the refusal names the hours and the time in Chinese and English', () => {
    const d = evaluate(city('harbin'), report(...daoli), at('2026-06-01T19:30:00'));
    assert.match(d.reasons[0]!.message.zh, /每日 07:00–19:00.*19:30/);
    assert.match(d.reasons[0]!.message.en, /07:00–19:00 daily.*19:30/);
  });
  test('a city without stated hours serves around the clock', () => {
    assert.equal(evaluate(city('kunming'), report(...PLACES.kunming.五华区), at('2026-06-01T03:00:00')).eligible, true);
  });
});

describe('area and routing (geofence)', () => {
  for (const [name, [lng, lat]] of Object.entries(PLACES.harbin)) {
    const covered = name !== '阿城区' && name !== '双城区';
    test(`Harbin ${name} → ${covered ? 'covered, routed to its brigade' : 'not covered'}`, () => {
      const d = evaluate(city('harbin'), report(lng, lat), at('2026-06-01T10:00:00'));
      assert.equal(d.district, name);
      assert.equal(d.eligible, covered);
      if (covered) assert.equal(d.brigade?.name.zh, `${name}交警大队`);
      else {
        assert.deepEqual(codes(d), ['district_not_covered']);
        assert.equal(d.brigade, null);
      }
    });
  }
  for (const [name, [lng, lat]] of Object.entries(PLACES.kunming)) {
    const covered = name !== '安宁市';
    test(`Kunming ${name} → ${covered ? 'covered' : 'not covered'}`, () => {
      const d = evaluate(city('kunming'), report(lng, lat), at('2026-06-01T10:00:00'));
      assert.equal(d.district, name);
      assert.equal(d.eligible, covered);
    });
  }
  test('a point outside every district is refused in words (the coordinates only in the checks, for staff)', () => {
    const d = evaluate(city('harbin'), report(116.397, 39.909), at('2026-06-01T10:00:00'));
    assert.equal(d.district, null);
    assert.deepEqual(codes(d), ['district_not_covered']);
    assert.equal(d.reasons[0]!.message.zh, '事故地点（哈尔滨市辖区以外）不在视频快处服务区域内。');
    assert.match(d.checks.find((c) => c.rule === 'area')!.detail!, /116\.397, 39\.909/);
  });
  test('Nantong routes every district to its integrated handling centre', () => {
    for (const [lng, lat] of Object.values(PLACES.nantong)) assert.equal(evaluate(city('nantong'), report(lng, lat), at('2026-06-01T10:00:00')).brigade?.id, 'centre');
  });
});

describe('accident types and injuries', () => {
  const wuhua = PLACES.kunming.五华区;
  test('Kunming accepts its three types, with minor injury', () => {
    for (const kind of ['motor_motor', 'motor_non_motor', 'single_vehicle'] as const) {
      assert.equal(evaluate(city('kunming'), report(...wuhua, { kind, injury: 'minor' }), at('2026-06-01T10:00:00')).eligible, true, kind);
    }
  });
  test('Kunming single-vehicle needs the owner of the damaged property present', () => {
    const d = evaluate(city('kunming'), report(...wuhua, { kind: 'single_vehicle', ownerPresent: false }), at('2026-06-01T10:00:00'));
    assert.deepEqual(codes(d), ['owner_not_present']);
    // The condition belongs to the single-vehicle type only.
    assert.equal(evaluate(city('kunming'), report(...wuhua, { ownerPresent: false }), at('2026-06-01T10:00:00')).eligible, true);
  });
  test('Harbin: damage only, motor vs motor only', () => {
    assert.deepEqual(codes(evaluate(city('harbin'), report(...daoli, { injury: 'minor' }), at('2026-06-01T10:00:00'))), ['injury_not_accepted']);
    assert.deepEqual(codes(evaluate(city('harbin'), report(...daoli, { kind: 'single_vehicle' }), at('2026-06-01T10:00:00'))), ['type_not_accepted']);
  });
  test('serious injury and death are never handled remotely, whatever the city', () => {
    for (const tenant of ['harbin', 'kunming', 'nantong', 'yancheng']) {
      const c = city(tenant);
      const [lng, lat] = Object.values(PLACES[tenant as keyof typeof PLACES])[0]!;
      const channel = c.defaultChannel;
      assert.deepEqual(codes(evaluate(c, report(lng, lat, { injury: 'serious', channel }), at('2026-06-01T10:00:00'))), ['serious_injury'], tenant);
      assert.deepEqual(codes(evaluate(c, report(lng, lat, { injury: 'death', channel }), at('2026-06-01T10:00:00'))), ['death'], tenant);
    }
  });
});

describe('conditions and disqualifiers', () => {
  const chongchuan = PLACES.nantong.崇川区;
  const cases = [
    [{ insured: 'none' }, 'uninsured_vehicle'],
    [{ movable: false }, 'vehicle_not_movable'],
    [{ licencesValid: false }, 'licence_invalid'],
    [{ registrationValid: false }, 'registration_invalid'],
    [{ plated: false }, 'unplated_vehicle'],
    [{ urbanRoad: false }, 'not_urban_road'],
    [{ parties: 4 }, 'too_many_parties'],
    [{ disqualifiers: ['drink_driving'] }, 'drink_driving'],
    [{ disqualifiers: ['drug_driving'] }, 'drug_driving'],
    [{ disqualifiers: ['hit_and_run'] }, 'hit_and_run'],
    [{ disqualifiers: ['dangerous_goods'] }, 'dangerous_goods'],
  ] as const;
  for (const [extra, code] of cases) {
    test(`Nantong: ${JSON.stringify(extra)} → ${code}`, () => {
      const d = evaluate(city('nantong'), report(...chongchuan, extra as Partial<AccidentReport>), at('2026-06-01T10:00:00'));
      assert.equal(d.eligible, false);
      assert.deepEqual(codes(d), [code]);
      assert.equal(d.fallback?.action, 'onsite_police');
      assert.ok(d.fallback!.phones.some((p) => p.number === '110'));
    });
  }
  test('motor_only insurance is enough when the other party is a bicycle', () => {
    assert.equal(evaluate(city('nantong'), report(...chongchuan, { kind: 'motor_non_motor', insured: 'motor_only' }), at('2026-06-01T10:00:00')).eligible, true);
  });
  test('a declared disqualifier refuses even where the profile does not ask about it', () => {
    const d = evaluate(city('harbin'), report(...daoli, { disqualifiers: ['insists_on_police'] }), at('2026-06-01T10:00:00'));
    assert.deepEqual(codes(d), ['insists_on_police']);
  });
  test('Harbin refuses a vehicle class outside its list', () => {
    const d = evaluate(city('harbin'), report(...daoli, { vehicles: [{ plate: '黑A12345', class: 'small_car' }, { class: 'non_motor' }] }), at('2026-06-01T10:00:00'));
    assert.deepEqual(codes(d), ['vehicle_class_not_accepted']);
  });
  test('every failed rule is reported at once, and each check is listed', () => {
    const d = evaluate(city('harbin'), report(...PLACES.harbin.阿城区, { insured: 'none', movable: false, injury: 'minor' }), at('2026-06-01T20:00:00'));
    assert.deepEqual(codes(d), ['district_not_covered', 'injury_not_accepted', 'outside_service_hours', 'uninsured_vehicle', 'vehicle_not_movable']);
    assert.ok(d.checks.filter((c) => !c.passed).length >= 5);
    assert.ok(d.checks.some((c) => c.rule === 'channel' && c.passed));
  });
  test('an eligible decision has no fallback and no reasons', () => {
    const d = evaluate(city('harbin'), report(...daoli), at('2026-06-01T10:00:00'));
    assert.deepEqual([d.eligible, d.reasons, d.fallback], [true, [], null]);
    assert.equal(d.localTime, '2026-06-01 10:00 mon');
  });
});

describe('channels', () => {
  test('Nantong accepts the WeChat mini-program and the 12123 App; Harbin only the App', () => {
    const nt = PLACES.nantong.崇川区;
    assert.equal(evaluate(city('nantong'), report(...nt, { channel: 'wechat_miniprogram' }), at('2026-06-01T10:00:00')).eligible, true);
    assert.equal(evaluate(city('nantong'), report(...nt, { channel: 'app12123' }), at('2026-06-01T10:00:00')).eligible, true);
    const h = evaluate(city('harbin'), report(...daoli, { channel: 'wechat_miniprogram' }), at('2026-06-01T10:00:00'));
    assert.deepEqual(codes(h), ['channel_not_offered']);
    assert.equal(evaluate(city('harbin'), report(...daoli), at('2026-06-01T10:00:00')).channel, 'app12123');
  });
  test('Yancheng takes the 110 SMS link but not the 12123 App', () => {
    const yc = PLACES.yancheng.亭湖区;
    assert.equal(evaluate(city('yancheng'), report(...yc), at('2026-06-01T10:00:00')).channel, 'sms_link_110');
    assert.deepEqual(codes(evaluate(city('yancheng'), report(...yc, { channel: 'app12123' }), at('2026-06-01T10:00:00'))), ['channel_not_offered']);
  });
});

test('every city profile loads and all its examples pass', () => {
  const { cities, rejected } = loadCities();
  assert.deepEqual(rejected, []);
  assert.ok(cities.length >= 36, `${cities.length} profiles`);
  assert.deepEqual(cities.filter((c) => c.profile.status === 'active').map((c) => c.tenant).sort(), ['harbin', 'kunming', 'nantong', 'yancheng']);
  for (const c of cities) assert.ok((c.profile.examples?.length ?? 0) >= 3, `${c.tenant} has examples`);
  // Every draft was scaffolded by init-city: no adapters, a source, and an example in each served district.
  for (const c of cities.filter((x) => x.profile.status === 'draft')) {
    assert.equal(c.profile.integrations, undefined, c.tenant);
    assert.ok(c.profile.sources?.length, `${c.tenant} says where it comes from`);
    for (const d of c.profile.area.include) assert.ok(c.profile.examples!.some((e) => e.expect.district === d && e.expect.eligible), `${c.tenant}: an example in ${d}`);
  }
});
