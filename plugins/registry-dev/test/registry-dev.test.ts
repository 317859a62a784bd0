import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixedClock } from '@kuaichu/core/clock';
import type { PluginContext } from '@kuaichu/core/ports';
import plugin, {
  createRegistryDev,
  defaultFixturesPath,
  fixturesPath,
  idCheckDigit,
  idNumberProblem,
  isPlate,
  loadFixtures,
  loadHolderPhotos,
  maskIdNumber,
  maskName,
  normalizePlate,
} from '../src/index.ts';

const ctx: PluginContext = { tenant: 'harbin', env: {}, log: { info() {}, warn() {} } };
const clock = fixedClock('2026-06-01T10:00:00+08:00');
const registry = createRegistryDev({}, ctx, { clock });
const tenant = 'harbin';

test('the package exports the registry-dev plugin and loads its own fixtures', async () => {
  assert.equal(plugin.name, 'registry-dev');
  assert.equal(plugin.port, 'registry');
  const port = await plugin.create({}, ctx);
  assert.equal((await port.verifyVehicle({ tenant, plate: '黑A12345' })).status, 'valid');
});

test('GB 11643 check digit, birth date and format', () => {
  assert.equal(idCheckDigit('11010519491231002'), 'X'); // the standard's own example
  assert.equal(idNumberProblem('11010519491231002X'), null);
  assert.equal(idNumberProblem('110105194912310021'), 'check_digit');
  assert.equal(idNumberProblem('110105194902300027'.slice(0, 17) + idCheckDigit('11010519490230002')), 'birth_date');
  assert.equal(idNumberProblem('11010549123100'), 'format');
  assert.equal(maskIdNumber('230102198503127810'), '2301**********7810');
  assert.equal(maskName('张伟'), '张*');
  assert.equal(maskName('欧阳娜娜'), '欧***');
});

test('every fixture record is well formed: 10 drivers with valid check digits, 12 vehicles of the four cities', () => {
  const fx = loadFixtures(defaultFixturesPath);
  assert.equal(fx.drivers.length, 10);
  assert.equal(fx.vehicles.length, 12);
  for (const d of fx.drivers) assert.equal(idNumberProblem(d.idNumber), null, d.idNumber);
  for (const prefix of ['黑A', '云A', '苏F', '苏J']) assert.ok(fx.vehicles.filter((v) => v.plate.startsWith(prefix)).length >= 3, prefix);
  assert.deepEqual([...new Set(fx.vehicles.flatMap((v) => v.policies.map((p) => p.insurerId)))].sort(), ['cpic', 'picc', 'pingan']);
  for (const d of fx.drivers) assert.ok(['valid', 'expired', 'suspended'].includes(d.status));
});

test('plates are normalised and checked for shape', () => {
  assert.equal(normalizePlate(' 苏f·3m9k1 '), '苏F3M9K1');
  assert.ok(isPlate('黑A12345'));
  assert.ok(isPlate('黑AD56789'));
  assert.ok(!isPlate('黑A1234'));
  assert.ok(!isPlate('黑AI2345'), 'no letter I');
  assert.ok(!isPlate('XA12345'));
});

test('verifyDriver: a valid licence', async () => {
  const r = await registry.verifyDriver({ tenant, name: '张伟', idNumber: '230102198503127810' });
  assert.equal(r.ok, true);
  assert.equal(r.status, 'valid');
  assert.match(r.detail, /^驾驶证状态正常：张\*，准驾车型C1，有效期至2099-05-20$/);
  assert.deepEqual(r.data, { name: '张*', idNumber: '2301**********7810', licenceClass: 'C1', validUntil: '2099-05-20', licenceStatus: 'valid' });
  assert.equal(r.checkedAt.toISOString(), '2026-06-01T02:00:00.000Z');
  // a lower-case x is accepted
  assert.equal((await registry.verifyDriver({ tenant, name: '周强', idNumber: '32090319820615075x' })).status, 'valid');
});

test('verifyDriver: not found, bad check digit, bad format, name mismatch', async () => {
  const unknown = await registry.verifyDriver({ tenant, name: '张伟', idNumber: '11010519491231002X' });
  assert.equal(unknown.status, 'not_found');
  assert.equal(unknown.ok, false);
  const badCheck = await registry.verifyDriver({ tenant, name: '张伟', idNumber: '230102198503127811' });
  assert.equal(badCheck.status, 'invalid');
  assert.match(badCheck.detail, /校验位错误/);
  const badFormat = await registry.verifyDriver({ tenant, name: '张伟', idNumber: '23010219850312' });
  assert.equal(badFormat.status, 'invalid');
  assert.match(badFormat.detail, /格式错误/);
  const wrongName = await registry.verifyDriver({ tenant, name: '张三', idNumber: '230102198503127810' });
  assert.equal(wrongName.status, 'invalid');
  assert.match(wrongName.detail, /姓名与身份证号登记信息不符/);
  assert.equal(wrongName.data?.name, undefined, 'the registered name is not revealed to a mismatching query');
});

test('verifyDriver: expired and suspended licences; a licence past its date is expired at that time', async () => {
  const expired = await registry.verifyDriver({ tenant, name: '吴敏', idNumber: '23010419781203662X' });
  assert.equal(expired.status, 'expired');
  assert.match(expired.detail, /有效期至2025-03-15/);
  const suspended = await registry.verifyDriver({ tenant, name: '孙丽', idNumber: '320902199109283321' });
  assert.equal(suspended.status, 'suspended');
  assert.equal(suspended.ok, false);
  // 刘洋's licence is recorded valid until 2030-11-21 (Beijing days, the last day until 24:00).
  const later = createRegistryDev({}, ctx, { clock: fixedClock('2030-11-22T00:00:00+08:00') });
  assert.equal((await later.verifyDriver({ tenant, name: '刘洋', idNumber: '530103199212300419' })).status, 'expired');
  const lastDay = createRegistryDev({}, ctx, { clock: fixedClock('2030-11-21T23:59:59+08:00') });
  assert.equal((await lastDay.verifyDriver({ tenant, name: '刘洋', idNumber: '530103199212300419' })).status, 'valid');
});

test('verifyVehicle: registration statuses and unknown plates', async () => {
  const ok = await registry.verifyVehicle({ tenant, plate: '黑A·12345' });
  assert.equal(ok.status, 'valid');
  assert.match(ok.detail, /^机动车登记状态正常：黑A12345 小型轿车（蓝牌），所有人张\*/);
  assert.equal(ok.data?.owner, '张*');
  assert.equal((await registry.verifyVehicle({ tenant, plate: '黑A8K2Q7' })).status, 'expired');
  assert.equal((await registry.verifyVehicle({ tenant, plate: '云A9N6L2' })).status, 'suspended');
  assert.equal((await registry.verifyVehicle({ tenant, plate: '苏J2E7R4' })).status, 'invalid');
  assert.equal((await registry.verifyVehicle({ tenant, plate: '苏F00000' })).status, 'not_found');
  const bad = await registry.verifyVehicle({ tenant, plate: 'ABC' });
  assert.equal(bad.status, 'invalid');
  assert.match(bad.detail, /号牌号码格式错误/);
});

test('verifyInsurance: checked at the given time against the policy window (Beijing days, last day until 24:00)', async () => {
  const at = (s: string) => new Date(s);
  const r = await registry.verifyInsurance({ tenant, plate: '苏F3M9K1', at: at('2026-06-01T21:30:00+08:00') });
  assert.equal(r.status, 'valid');
  assert.equal(r.insurerId, 'picc');
  assert.equal(r.policyNumber, 'PDZA202532060000016180');
  // The insurer by id only: the city profile names it (one name on every screen, the legal name on documents).
  assert.match(r.detail, /^交强险在保：保单号PDZA202532060000016180，保险期间2025-10-15至2026-10-14$/);
  assert.equal(r.data?.insurerName, undefined);
  // last day until 24:00, then lapsed
  assert.equal((await registry.verifyInsurance({ tenant, plate: '苏F3M9K1', at: at('2026-10-14T23:59:59+08:00') })).status, 'valid');
  const lapsed = await registry.verifyInsurance({ tenant, plate: '苏F3M9K1', at: at('2026-10-15T00:00:00+08:00') });
  assert.equal(lapsed.status, 'expired');
  assert.equal(lapsed.ok, false);
  // first day from 00:00 Beijing time, i.e. 16:00 UTC the day before
  assert.equal((await registry.verifyInsurance({ tenant, plate: '苏F3M9K1', at: at('2025-10-14T15:59:59Z') })).status, 'invalid');
  assert.equal((await registry.verifyInsurance({ tenant, plate: '苏F3M9K1', at: at('2025-10-14T16:00:00Z') })).status, 'valid');
});

test('verifyInsurance: renewals, lapsed and not-yet-effective policies, no policy, unknown plate', async () => {
  const at = new Date('2026-06-01T10:00:00+08:00');
  const renewed = await registry.verifyInsurance({ tenant, plate: '云AF12345', at });
  assert.equal(renewed.status, 'valid');
  assert.equal(renewed.insurerId, 'pingan', 'the policy in force, not the earlier one');
  const earlier = await registry.verifyInsurance({ tenant, plate: '云AF12345', at: new Date('2025-01-01T10:00:00+08:00') });
  assert.equal(earlier.insurerId, 'picc');
  const lapsed = await registry.verifyInsurance({ tenant, plate: '黑A8K2Q7', at });
  assert.equal(lapsed.status, 'expired');
  assert.match(lapsed.detail, /^交强险已脱保/);
  const notYet = await registry.verifyInsurance({ tenant, plate: '苏FD23456', at });
  assert.equal(notYet.status, 'invalid');
  assert.match(notYet.detail, /^交强险尚未生效/);
  const none = await registry.verifyInsurance({ tenant, plate: '苏JF88886', at });
  assert.equal(none.status, 'not_found');
  assert.equal(none.insurerId, undefined);
  assert.equal((await registry.verifyInsurance({ tenant, plate: '黑A99999', at })).status, 'not_found');
  await assert.rejects(registry.verifyInsurance({ tenant, plate: '黑A12345', at: new Date('nope') }), /valid `at` date/);
});

test('the records the end-to-end suite relies on keep their outcome on any day it may be moved to (KUAICHU_E2E_DAY)', async () => {
  // e2e/pages/Seat.ts VALID_PARTY and e2e/support/staff.ts: each city's valid driver and car, and
  // 张伟's 黑A12345 whose 交强险 lapsed on 2026-08-31. From the default day to the end of the century.
  const valid = [
    { name: '李娜', idNumber: '230103199007214422', plate: '黑AD56789' },
    { name: '张伟', idNumber: '230102198503127810', plate: null },
    { name: '赵磊', idNumber: '320612199405069131', plate: '苏FD23456' },
    { name: '王芳', idNumber: '530102198811052241', plate: '云A5U8M3' },
    { name: '周强', idNumber: '32090319820615075X', plate: '苏J6H2P9' },
  ];
  for (const day of ['2026-11-23', '2030-11-25', '2098-12-31']) {
    const at = new Date(`${day}T10:00:00+08:00`);
    const onDay = createRegistryDev({}, ctx, { clock: fixedClock(at) });
    for (const v of valid) {
      assert.equal((await onDay.verifyDriver({ tenant, name: v.name, idNumber: v.idNumber })).status, 'valid', `${v.name} on ${day}`);
      if (v.plate) {
        assert.equal((await onDay.verifyVehicle({ tenant, plate: v.plate })).status, 'valid', `${v.plate} on ${day}`);
        assert.equal((await onDay.verifyInsurance({ tenant, plate: v.plate, at })).status, 'valid', `${v.plate} 交强险 on ${day}`);
      }
    }
    assert.equal((await onDay.verifyInsurance({ tenant, plate: '黑A12345', at })).status, 'expired', `黑A12345 on ${day}`);
  }
});

test('results carry masked personal values only', async () => {
  const fx = loadFixtures(defaultFixturesPath);
  const results = [
    ...(await Promise.all(fx.drivers.map((d) => registry.verifyDriver({ tenant, name: d.name, idNumber: d.idNumber })))),
    ...(await Promise.all(fx.vehicles.map((v) => registry.verifyVehicle({ tenant, plate: v.plate })))),
    ...(await Promise.all(fx.vehicles.map((v) => registry.verifyInsurance({ tenant, plate: v.plate, at: new Date('2026-06-01T10:00:00+08:00') })))),
  ];
  const seen = JSON.stringify(results);
  for (const d of fx.drivers) {
    assert.ok(!seen.includes(d.idNumber), `full ID ${d.idNumber} leaked`);
    assert.ok(!seen.includes(d.name), `full name ${d.name} leaked`);
  }
});

test('the fixtures option points at another file; bad fixture files are refused at create()', () => {
  assert.equal(fixturesPath(undefined), defaultFixturesPath);
  assert.equal(fixturesPath('fixtures/registry.json'), defaultFixturesPath);
  assert.throws(() => fixturesPath('../secrets.json'), /inside the plugin's folder/);
  assert.throws(() => createRegistryDev({ fixtures: 'fixtures/missing.json' }, ctx), /cannot read fixtures .*missing\.json/);
  const dir = mkdtempSync(path.join(tmpdir(), 'registry-dev-'));
  const file = path.join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ drivers: [{ name: '张伟', idNumber: '230102198503127811', licenceClass: 'C1', firstIssued: '2007-05-20', validUntil: '2033-05-20', status: 'valid' }], vehicles: [] }));
  assert.throws(() => loadFixtures(file), /drivers\[0\]\.idNumber 230102198503127811 is not a valid GB 11643 number \(check_digit\)/);
});

test('a licence found under its name and ID number comes with the photo on record; no photo on a mismatch or for a holder without one', async () => {
  const found = await registry.verifyDriver({ tenant, name: '赵磊', idNumber: '320612199405069131' });
  assert.equal(found.status, 'valid');
  assert.equal(found.photo?.contentType, 'image/jpeg');
  assert.deepEqual([...found.photo!.bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  assert.ok(found.photo!.bytes.length > 2000, 'a real photo, not a placeholder');
  const suspended = await registry.verifyDriver({ tenant, name: '孙丽', idNumber: '320902199109283321' });
  assert.equal(suspended.status, 'suspended');
  assert.ok(suspended.photo, 'the photo does not depend on the licence being valid');
  assert.notDeepEqual(suspended.photo!.bytes, found.photo!.bytes);
  const mismatch = await registry.verifyDriver({ tenant, name: '赵雷', idNumber: '320612199405069131' });
  assert.deepEqual([mismatch.status, mismatch.photo], ['invalid', undefined]);
  const none = await registry.verifyDriver({ tenant, name: '周强', idNumber: '32090319820615075X' });
  assert.deepEqual([none.status, none.photo], ['valid', undefined]);
});

test('a fixture photo that is missing or not an image is refused at create()', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'registry-dev-photo-'));
  const driver = { name: '张伟', idNumber: '230102198503127810', licenceClass: 'C1', firstIssued: '2007-05-20', validUntil: '2033-05-20', status: 'valid' as const };
  const file = path.join(dir, 'fx.json');
  writeFileSync(path.join(dir, 'note.png'), 'not a png');
  writeFileSync(file, JSON.stringify({ drivers: [{ ...driver, photo: 'note.png' }], vehicles: [] }));
  assert.throws(() => loadHolderPhotos(loadFixtures(file), file), /2301\*{10}7810 .* is not a JPEG or PNG/);
  writeFileSync(file, JSON.stringify({ drivers: [{ ...driver, photo: 'gone.jpg' }], vehicles: [] }));
  assert.throws(() => loadHolderPhotos(loadFixtures(file), file), /cannot be read/);
  writeFileSync(file, JSON.stringify({ drivers: [{ ...driver, photo: '../x.jpg' }], vehicles: [] }));
  assert.throws(() => loadFixtures(file), /drivers\[0\]\.photo \.\.\/x\.jpg must be/);
});
