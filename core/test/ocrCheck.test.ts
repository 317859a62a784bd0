/**
 * Kunming's checklist asks for OCR of the plates (plate_ocr) and Kunming reads them with the
 * real engine (ocr-paddle): the seat names a photo it took in this case, the OCR port reads the
 * pixels, and the reading — plate, the engine's text, confidence, box — is recorded like the
 * registry checks. The seat confirms or corrects a reading: a new item that supersedes it.
 * Check lines are recorded only by the checks themselves: a seat cannot type "ok" into one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { solidPng } from '@kuaichu/plugin-recognition-dev';
import { renderPlatePhoto, seeded } from '@kuaichu/plugin-recognition-paddle/render';
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

/** A photo of `plate` as a camera sees it (perspective, noise, JPEG), or a blank grey frame. */
async function photo(id: string, seat: string, plate: string | null, shade: number) {
  const file = plate
    ? { name: 'p.jpg', bytes: await renderPlatePhoto(plate, [...plate].length === 8 ? 'green' : 'blue', seeded(shade), { perspective: 0.05, blur: 0.5, noise: 6, quality: 80 }), type: 'image/jpeg' }
    : { name: 'p.png', bytes: solidPng(320, 160, [shade, 120, 120]), type: 'image/png' };
  const form = multipart({ item: 'collision_closeups' }, file);
  const r = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().sha256 as string;
}

type CheckAnswer = { id: string; item: string; ok: boolean; status: string; detail: string };
type EvidenceEntry = { id: string; seq: number; item: string; supersedes: string | null; data: Record<string, any> };

async function ocr(id: string, seat: string, body: object): Promise<CheckAnswer> {
  const r = await t.call('POST', `/api/cases/${id}/checks`, { token: seat, body });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().find((c: { item: string }) => c.item === 'plate_ocr');
}

async function caseView(id: string, seat: string) {
  return (await t.call('GET', `/api/cases/${id}`, { token: seat })).json() as { chain: { ok: boolean }; evidence: EvidenceEntry[]; checklist: { lines: Array<{ id: string; have: number; min: number; satisfied: boolean; findings?: unknown }> } };
}

test('the real OCR reads the plate off the photo: passes when it agrees with the typed plate; the reading keeps text, confidence and box', async () => {
  const { id, seat } = await caseInCall();
  const good = await photo(id, seat, '云A5U8M3', 10);
  const blank = await photo(id, seat, null, 20);
  const read = await ocr(id, seat, { plateImage: good, plate: '云A 5U8M3' });
  assert.deepEqual([read.ok, read.status], [true, 'valid'], read.detail);
  const item = (await caseView(id, seat)).evidence.find((e) => e.id === read.id)!;
  const subject = item.data.subject as { photo: string; plate: string; confidence: number; text: string; box: number[][] };
  assert.equal(subject.photo, good);
  assert.equal(subject.plate, '云A5U8M3');
  assert.ok(subject.confidence >= 0.9 && subject.confidence <= 1, `confidence ${subject.confidence}`);
  assert.equal(subject.text.replace(/[·\s]/g, ''), '云A5U8M3', 'what the engine read, before normalisation');
  assert.equal(subject.box.length, 4, 'four corners');
  // The plate sits in the middle of the rendered photo (638 × 336): the box is around it, in the photo's pixels.
  const xs = subject.box.map((p) => p[0]!), ys = subject.box.map((p) => p[1]!);
  assert.ok(Math.min(...xs) > 40 && Math.max(...xs) < 600 && Math.min(...ys) > 60 && Math.max(...ys) < 280, JSON.stringify(subject.box));

  const other = await ocr(id, seat, { plateImage: good, plate: '云AF12345' });
  assert.deepEqual([other.ok, other.status], [false, 'invalid']);
  assert.match(other.detail, /云A5U8M3 与登记的 云AF12345 不一致/);
  const none = await ocr(id, seat, { plateImage: blank });
  assert.deepEqual([none.ok, none.status], [false, 'not_found']);
  const line = (await caseView(id, seat)).checklist.lines.find((l) => l.id === 'plate_ocr')!;
  assert.deepEqual([line.have, line.min, line.satisfied], [1, 2, false], 'the passing reading counts, the failed ones do not; the other car is still to be read');
  assert.equal(line.findings, undefined, 'a failed reading is a retake, not a finding about the vehicle');
  await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '测试结束' } });
});

test('the seat confirms a reading or corrects it: each is a new item superseding the reading, the chain intact', async () => {
  const { id, seat } = await caseInCall();
  const green = await photo(id, seat, '云AF12345', 40);
  const blank = await photo(id, seat, null, 50);
  const review = (body: object) => t.call('POST', `/api/cases/${id}/checks/plate-review`, { token: seat, body });

  const read = await ocr(id, seat, { plateImage: green });
  assert.equal(read.ok, true, read.detail);
  const confirmed = await review({ reading: read.id, plate: '云AF·12345' });
  assert.equal(confirmed.statusCode, 201, confirmed.body);
  assert.deepEqual([confirmed.json().item, confirmed.json().ok, confirmed.json().status], ['plate_ocr', true, 'valid']);
  assert.match(confirmed.json().detail, /坐席确认车牌识别：云AF12345/);

  // A frame the engine found no plate in: the seat reads the plate off it and corrects the reading.
  const miss = await ocr(id, seat, { plateImage: blank });
  assert.deepEqual([miss.ok, miss.status], [false, 'not_found']);
  const corrected = await review({ reading: miss.id, plate: '云a5u8m3' });
  assert.equal(corrected.statusCode, 201, corrected.body);
  assert.match(corrected.json().detail, /坐席更正车牌：云A5U8M3（识别为 无）/);

  const view = await caseView(id, seat);
  assert.equal(view.chain.ok, true, 'the hash chain holds the readings and the reviews');
  const c = view.evidence.find((e) => e.id === confirmed.json().id)!;
  assert.equal(c.supersedes, read.id);
  assert.deepEqual(c.data.review, { outcome: 'confirmed', reading: read.id, readPlate: '云AF12345' });
  assert.equal(c.data.subject.photo, green);
  assert.equal(c.data.subject.box.length, 4, 'the review keeps the box it confirms');
  const k = view.evidence.find((e) => e.id === corrected.json().id)!;
  assert.deepEqual([k.supersedes, k.data.review.outcome, k.data.review.readPlate, k.data.subject.plate], [miss.id, 'corrected', null, '云A5U8M3']);
  assert.ok(view.evidence.some((e) => e.id === read.id) && view.evidence.some((e) => e.id === miss.id), 'the readings stay in the record');
  const line = view.checklist.lines.find((l) => l.id === 'plate_ocr')!;
  assert.deepEqual([line.have, line.min, line.satisfied], [2, 2, true], 'both cars read: one confirmed, one corrected');

  // A reading is reviewed once; only plate readings of this case; only plates.
  const again = await review({ reading: read.id, plate: '云AF12345' });
  assert.equal(again.statusCode, 400);
  assert.match(again.json().error.message, /already confirmed or corrected/);
  const ofReview = await review({ reading: confirmed.json().id, plate: '云AF12345' });
  assert.equal(ofReview.statusCode, 400);
  const registry = await t.call('POST', `/api/cases/${id}/checks`, { token: seat, body: { plate: '云A5U8M3' } });
  const notOcr = await review({ reading: registry.json()[0].id, plate: '云A5U8M3' });
  assert.equal(notOcr.statusCode, 400);
  assert.match(notOcr.json().error.message, /not a plate reading of this case/);
  const read2 = await ocr(id, seat, { plateImage: green });
  const notPlate = await review({ reading: read2.id, plate: 'ABCDEFGH' });
  assert.equal(notPlate.statusCode, 400);
  assert.match(notPlate.json().error.message, /is not a plate/);
  const missing = await review({ reading: '0190a0a0-0000-7000-8000-000000000000', plate: '云AF12345' });
  assert.equal(missing.statusCode, 400);
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
