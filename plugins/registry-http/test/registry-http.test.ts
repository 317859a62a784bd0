import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitState } from 'cockatiel';
import { ManualClock } from '@kuaichu/core/clock';
import type { PluginContext } from '@kuaichu/core/ports';
import plugin, { createRegistryHttp } from '../src/index.ts';
import { startKc1Server, type Reply, type Seen } from '@kuaichu/testkit/kc1Server';
import { until } from '@kuaichu/testkit/until';

const SECRET = 'registry-secret-0123456789abcdef';
const logs: Array<{ obj: object; msg?: string }> = [];
const ctx = (env: Record<string, string> = { KC_REGISTRY_SECRET: SECRET }): PluginContext => ({
  tenant: 'kunming', env, log: { info: (obj, msg) => void logs.push({ obj, msg }), warn: (obj, msg) => void logs.push({ obj, msg }) },
});
const clock = new ManualClock('2026-06-01T10:00:00+08:00');
/** The first bytes of a JPEG (SOI, APP0 JFIF) and of a PNG: the adapter tells them by their signature. */
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

/** The registry as its interface description answers: by path and what was asked. */
function registry(req: Seen): Reply {
  const b = req.body as { name?: string; idNumber?: string; plate?: string; at?: string };
  if (req.path === '/gw/v1/driver-licence/verify') {
    if (b.idNumber === '530102198811052241') return b.name === '王芳' ? { status: 200, body: { code: 'VALID', data: { licenceClass: 'C1', validUntil: '2031-07-08' } } } : { status: 200, body: { code: 'NAME_MISMATCH' } };
    if (b.idNumber === '23010419781203662X') return { status: 200, body: { code: 'EXPIRED', data: { licenceClass: 'C1', validUntil: '2025-03-15' } } };
    // The licence photo on record, base64 in data.photo (docs/integrations.md#registries).
    if (b.idNumber === '320612199405069131') return { status: 200, body: { code: 'VALID', data: { licenceClass: 'A1', validUntil: '2099-01-12', photo: Buffer.from(JPEG).toString('base64') } } };
    if (b.idNumber === '320902199109283321') return { status: 200, body: { code: 'SUSPENDED', data: { licenceClass: 'C1', photo: `data:image/png;base64,${Buffer.from(PNG).toString('base64')}` } } };
    if (b.idNumber === '32090319820615075X') return { status: 200, body: { code: 'VALID', data: { licenceClass: 'A2', photo: Buffer.from('GIF89a not a photo').toString('base64') } } };
    return { status: 404, body: { code: 'NOT_FOUND', message: '无此驾驶证' } };
  }
  if (req.path === '/gw/v1/vehicle/verify') {
    if (b.plate === '云A12345') return { status: 200, body: { code: 'NORMAL', data: { plateType: '02', vehicleClass: 'K33', vehicleClassName: '小型轿车', owner: '王芳', inspectionValidUntil: '2027-05-31' } } };
    if (b.plate === '云AD12345') return { status: 200, body: { code: 'SEIZED', data: { vehicleClassName: '小型轿车', owner: '刘洋' } } };
    return { status: 404, body: { code: 'NOT_FOUND' } };
  }
  if (req.path === '/gw/v1/compulsory-insurance/verify') {
    if (b.plate === '云A12345') return { status: 200, body: { code: 'IN_FORCE', data: { insurerCode: 'PICC', policyNumber: 'PDZA2026530100000123', validFrom: '2026-01-01', validTo: '2026-12-31' } } };
    if (b.plate === '云A99999') return { status: 200, body: { code: 'EXPIRED', data: { insurerCode: 'PAIC', policyNumber: 'PDZA2025530100000777', validFrom: '2025-01-01', validTo: '2025-12-31' } } };
    return { status: 404, body: { code: 'NOT_FOUND' } };
  }
  return { status: 404, body: { code: 'NO_SUCH_API' } };
}

const server = await startKc1Server({ 'kunming-2026': SECRET }, registry);
after(() => server.close());

const options = (extra: object = {}) => ({ baseUrl: `${server.url}/gw`, keyId: 'kunming-2026', secretEnv: 'KC_REGISTRY_SECRET', timeoutMs: 300, attempts: 3, backoffMs: 5, maxBackoffMs: 20, breakerFailures: 50, halfOpenAfterMs: 100, ...extra });
const fresh = (extra: object = {}) => createRegistryHttp(options(extra), ctx(), { clock });

test('the package exports registry-http for the registry port; the secret comes only from the environment', async () => {
  assert.equal(plugin.name, 'registry-http');
  assert.equal(plugin.port, 'registry');
  assert.throws(() => createRegistryHttp(options(), ctx({})), /KC_REGISTRY_SECRET .* is not set/);
});

test('a driver answer carries the licence photo on record (base64 JPEG or PNG); an unusable one is dropped with a warning, never logged', async () => {
  server.reply = registry;
  const reg = fresh();
  const found = await reg.verifyDriver({ tenant: 'kunming', name: '赵磊', idNumber: '320612199405069131' });
  assert.equal(found.status, 'valid');
  assert.deepEqual([found.photo?.contentType, [...(found.photo?.bytes ?? [])]], ['image/jpeg', [...JPEG]]);
  assert.equal(found.data?.photo, undefined, 'the photo is not in the data the seat reads as text');
  const suspended = await reg.verifyDriver({ tenant: 'kunming', name: '孙丽', idNumber: '320902199109283321' });
  assert.deepEqual([suspended.status, suspended.photo?.contentType, suspended.photo?.bytes.length], ['suspended', 'image/png', PNG.length]);
  const before = logs.length;
  const odd = await reg.verifyDriver({ tenant: 'kunming', name: '周强', idNumber: '32090319820615075X' });
  assert.deepEqual([odd.status, odd.photo], ['valid', undefined]);
  const warned = logs.slice(before).find((l) => l.msg === 'the licence photo in the answer is unusable');
  assert.deepEqual(warned?.obj, { plugin: 'registry-http', tenant: 'kunming', check: 'driver', problem: 'not a JPEG or PNG' });
  const none = await reg.verifyDriver({ tenant: 'kunming', name: '王芳', idNumber: '530102198811052241' });
  assert.equal(none.photo, undefined, 'a registry may have no photo on record');
});

test('every request is KC1-signed (checked exactly by the registry) and the answers map to check results, masked', async () => {
  server.reply = registry;
  const reg = fresh();
  const before = server.seen.length;
  const ok = await reg.verifyDriver({ tenant: 'kunming', name: '王芳', idNumber: '530102198811052241' });
  assert.deepEqual({ ok: ok.ok, status: ok.status }, { ok: true, status: 'valid' });
  assert.equal(ok.detail, '驾驶证状态正常：王*，准驾车型C1，有效期至2031-07-08');
  assert.equal(ok.data?.idNumber, '5301**********2241');
  assert.equal(ok.checkedAt.toISOString(), clock.now().toISOString());
  const req = server.seen[before]!;
  assert.equal(req.refused, null, 'the signature is right');
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/gw/v1/driver-licence/verify');
  assert.deepEqual(req.body, { name: '王芳', idNumber: '530102198811052241' });
  assert.equal(req.headers['x-kc-key-id'], 'kunming-2026');
  assert.doesNotMatch(JSON.stringify(logs), /530102198811052241/, 'no full ID number in the logs');

  const mismatch = await reg.verifyDriver({ tenant: 'kunming', name: '王小芳', idNumber: '530102198811052241' });
  assert.deepEqual([mismatch.status, mismatch.detail], ['invalid', '姓名与身份证号登记信息不符（5301**********2241）']);
  const expired = await reg.verifyDriver({ tenant: 'kunming', name: '吴敏', idNumber: '23010419781203662x' });
  assert.deepEqual([expired.ok, expired.status], [false, 'expired']);
  assert.match(expired.detail, /有效期至2025-03-15/);
  const unknown = await reg.verifyDriver({ tenant: 'kunming', name: '赵六', idNumber: '110101199003074513' });
  assert.deepEqual([unknown.status, unknown.detail], ['not_found', '未查询到该身份证号的驾驶证信息（1101**********4513）']);

  const car = await reg.verifyVehicle({ tenant: 'kunming', plate: '云a·12345' });
  assert.equal(car.status, 'valid');
  assert.equal(car.detail, '机动车登记状态正常：云A12345 小型轿车，所有人王*，检验有效期至2027-05-31');
  assert.equal((await reg.verifyVehicle({ tenant: 'kunming', plate: '云AD12345' })).status, 'suspended');
  assert.equal((await reg.verifyVehicle({ tenant: 'kunming', plate: '云B00000' })).status, 'not_found');

  const policy = await reg.verifyInsurance({ tenant: 'kunming', plate: '云A12345', at: clock.now() });
  assert.deepEqual([policy.status, policy.insurerId, policy.policyNumber], ['valid', 'picc', 'PDZA2026530100000123']);
  assert.deepEqual((server.seen.at(-1)!.body as { at: string }).at, '2026-06-01T02:00:00.000Z', 'asked at the check time');
  const lapsed = await reg.verifyInsurance({ tenant: 'kunming', plate: '云A99999', at: clock.now() });
  assert.deepEqual([lapsed.ok, lapsed.status, lapsed.insurerId], [false, 'expired', 'pingan']);
  assert.equal(lapsed.detail, '交强险已脱保：保单号PDZA2025530100000777，保险期间2025-01-01至2025-12-31');
  assert.ok(server.seen.slice(before).every((s) => s.refused === null));
});

test('a wrong key is refused by the registry (401): the check is "verify manually", and a refused request is not retried', async () => {
  server.reply = registry;
  const reg = createRegistryHttp(options(), ctx({ KC_REGISTRY_SECRET: 'not-the-secret' }), { clock });
  const before = server.seen.length;
  const r = await reg.verifyVehicle({ tenant: 'kunming', plate: '云A12345' });
  assert.deepEqual([r.ok, r.status, r.data?.reason, r.data?.verifyManually], [false, 'unavailable', 'rejected', true]);
  assert.match(r.detail, /请人工核验/);
  assert.equal(server.seen.length - before, 1);
  assert.equal(server.seen.at(-1)!.refused, 'bad signature');
});

test('throttling (429 with Retry-After) and 5xx are retried with fresh signatures until an answer comes', async () => {
  let n = 0;
  server.reply = (req) => (++n === 1 ? { status: 429, body: { code: 'THROTTLED' }, headers: { 'retry-after': '0' } } : n === 2 ? { status: 503, body: { code: 'BUSY' } } : registry(req));
  const reg = fresh();
  const before = server.seen.length;
  const r = await reg.verifyVehicle({ tenant: 'kunming', plate: '云A12345' });
  assert.equal(r.status, 'valid');
  const tries = server.seen.slice(before);
  assert.equal(tries.length, 3);
  assert.ok(tries.every((t) => t.refused === null), 'each retry is signed afresh (a reused nonce would be refused as a replay)');
  assert.equal(new Set(tries.map((t) => t.headers['x-kc-nonce'])).size, 3);
});

test('a registry that stays down (5xx, hanging, dropping the connection) gives "unavailable" after the retries', async () => {
  const reg = fresh();
  for (const [reply, reason] of [[{ status: 500, body: { code: 'ERR' } }, 'server_error'], ['hang', 'timeout'], ['drop', 'connection']] as const) {
    server.reply = () => reply;
    const before = server.seen.length;
    const r = await reg.verifyDriver({ tenant: 'kunming', name: '王芳', idNumber: '530102198811052241' });
    assert.deepEqual([r.ok, r.status, r.data?.reason, r.data?.verifyManually], [false, 'unavailable', reason, true], reason);
    assert.equal(r.data?.idNumber, '5301**********2241');
    assert.match(r.detail, /^驾驶证核验系统暂不可用（.+），请人工核验证件后继续$/);
    assert.equal(server.seen.length - before, 3, `${reason}: three attempts`);
  }
  const closed = await startKc1Server({});
  const nobody = createRegistryHttp({ ...options(), baseUrl: closed.url }, ctx(), { clock });
  await closed.close();
  const r = await nobody.verifyInsurance({ tenant: 'kunming', plate: '云A12345', at: clock.now() });
  assert.deepEqual([r.status, r.data?.reason], ['unavailable', 'connection']);
});

test('the circuit breaker opens after consecutive failures, answers at once while open, half-opens for one trial and closes on success', async () => {
  const reg = fresh({ attempts: 1, breakerFailures: 2, halfOpenAfterMs: 150 });
  server.reply = () => ({ status: 502 });
  const ask = () => reg.verifyVehicle({ tenant: 'kunming', plate: '云A12345' });
  assert.equal((await ask()).data?.reason, 'server_error');
  assert.equal((await ask()).data?.reason, 'server_error');
  assert.equal(reg.client.breaker.state, CircuitState.Open);
  const before = server.seen.length;
  const open = await ask();
  assert.deepEqual([open.status, open.data?.reason], ['unavailable', 'circuit_open']);
  assert.equal(server.seen.length, before, 'an open breaker does not call the registry');

  // Half-open: after the pause one trial call goes through; it fails, so the breaker opens again.
  await until(async () => (await ask()).data?.reason !== 'circuit_open', 'the half-open trial call');
  assert.equal(server.seen.length, before + 1);
  assert.equal(reg.client.breaker.state, CircuitState.Open);

  // The registry recovers: the next trial succeeds and the breaker closes.
  server.reply = registry;
  let last = await ask();
  await until(async () => (last = await ask()).status !== 'unavailable', 'a successful trial call');
  assert.equal(last.status, 'valid');
  assert.equal(reg.client.breaker.state, CircuitState.Closed);
  assert.equal((await ask()).status, 'valid');
});
