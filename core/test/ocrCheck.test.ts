/**
 * Kunming's checklist asks for OCR of the plates (plate_ocr): the seat names a photo it took
 * in this case, the OCR port reads it, and the result is recorded like the registry checks.
 * Check lines are recorded only by the checks themselves: a seat cannot type "ok" into one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { solidPng, withPngText } from '@kuaichu/plugin-recognition-dev';
import { multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';

let t: TestCore;
let n = 0;
before(async () => {
  t = await startTestCore({ kind: 'pglite' });
});
after(() => t?.close());

/** A Kunming case in a call with seat-wuhua. */
async function caseInCall() {
  const party = await t.party('kunming', `1390000020${n++}`);
  const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: `ocr-check-${n}-abcdef`, report: { location: { lng: 102.704, lat: 25.048 }, kind: 'motor_motor' } } });
  assert.equal(r.statusCode, 201, r.body);
  const seat = await t.staff('kunming', 'seat-wuhua');
  await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } });
  await t.core.tick();
  assert.equal((await t.call('POST', `/api/cases/${r.json().id}/answer`, { token: seat })).statusCode, 200);
  return { id: r.json().id as string, seat };
}

async function photo(id: string, seat: string, plate: string | null, shade: number) {
  const png = plate ? withPngText(solidPng(4, 4, [shade, 1, 2]), 'kuaichu-plate', plate) : solidPng(4, 4, [shade, 1, 2]);
  const form = multipart({ item: 'collision_closeups' }, { name: 'p.png', bytes: png, type: 'image/png' });
  const r = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().sha256 as string;
}

test('a photo whose plate reads as the typed plate passes plate_ocr; another plate or none fails', async () => {
  const { id, seat } = await caseInCall();
  const good = await photo(id, seat, '云A5U8M3', 10);
  const blank = await photo(id, seat, null, 20);
  const checks = async (body: object) => {
    const r = await t.call('POST', `/api/cases/${id}/checks`, { token: seat, body });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().find((c: { item: string }) => c.item === 'plate_ocr') as { ok: boolean; status: string; detail: string };
  };
  assert.deepEqual(await checks({ plateImage: good, plate: '云A 5U8M3' }).then((c) => [c.ok, c.status]), [true, 'valid']);
  assert.deepEqual(await checks({ plateImage: good, plate: '云AF12345' }).then((c) => [c.ok, c.status]), [false, 'invalid']);
  assert.deepEqual(await checks({ plateImage: blank }).then((c) => [c.ok, c.status]), [false, 'not_found']);
  const view = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
  const line = view.checklist.lines.find((l: { id: string }) => l.id === 'plate_ocr');
  assert.deepEqual([line.have, line.min, line.satisfied], [1, 2, false], 'the passing reading counts, the failed ones do not; the other car is still to be read');
  assert.equal(line.findings, undefined, 'a failed reading is a retake, not a finding about the vehicle');
  await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '测试结束' } });
});

test("plateImage must be a photo of this case", async () => {
  const a = await caseInCall();
  const sha = await photo(a.id, a.seat, '云A5U8M3', 30);
  await t.call('POST', `/api/cases/${a.id}/escalate`, { token: a.seat, body: { reason: '测试结束' } });
  const b = await caseInCall();
  const r = await t.call('POST', `/api/cases/${b.id}/checks`, { token: b.seat, body: { plateImage: sha } });
  assert.equal(r.statusCode, 400);
  assert.match(r.json().error.message, /not a photo of this case/);
  const bad = await t.call('POST', `/api/cases/${b.id}/checks`, { token: b.seat, body: { plateImage: 'not-a-hash' } });
  assert.equal(bad.statusCode, 400);
  await t.call('POST', `/api/cases/${b.id}/escalate`, { token: b.seat, body: { reason: '测试结束' } });
});

test('a check line cannot be typed in: {ok: true} through the evidence route is refused', async () => {
  const { id, seat } = await caseInCall();
  for (const item of ['plate_ocr', 'insurance_check']) {
    const r = await t.call('POST', `/api/cases/${id}/evidence`, { token: seat, body: { item, data: { check: 'compulsory_insurance', ok: true, status: 'valid' } } });
    assert.equal(r.statusCode, 400, item);
    assert.match(r.json().error.message, /automatic check/);
  }
  await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '测试结束' } });
});
