/**
 * Nantong's checklist asks for face comparison (face_match, "人脸身份比对"): the seat names a
 * photo of the driver it captured from the call, the driver check fetches the licence photo on
 * record (registry-dev's development photos), and face-faceapi compares them on the real model.
 * The photos are ones npm packages ship publicly (@vladmandic/human's screenshots): the licence
 * photo of 赵磊 in registry-dev is that library's author cut from a group photo; the "frames" put
 * another photo of him, or of a woman, into a 640×480 picture as a call frame would show them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { anotherPerson, author, emptyFrame, videoFrame } from '@kuaichu/plugin-recognition-faceapi/test-photos';
import { multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';

let t: TestCore;
let n = 0;
before(async () => {
  t = await startTestCore({ kind: 'pglite' });
});
after(() => t?.close());

const ZHAO = { name: '赵磊', idNumber: '320612199405069131' }; // licence photo on record (holder-m1.jpg)
const ZHOU = { name: '周强', idNumber: '32090319820615075X' }; // no photo on record

/** A Nantong case in a call with the centre's seat. */
async function caseInCall() {
  const party = await t.party('nantong', `1370000030${n++}`);
  const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: `face-check-${n}-abcdef`, report: { location: { lng: 120.857, lat: 32.01 }, kind: 'motor_motor' } } });
  assert.equal(r.statusCode, 201, r.body);
  const seat = await t.staff('nantong', 'seat-centre');
  await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } });
  await t.core.tick();
  assert.equal((await t.call('POST', `/api/cases/${r.json().id}/answer`, { token: seat })).statusCode, 200);
  return { id: r.json().id as string, seat };
}

async function partyPhoto(id: string, seat: string, jpeg: Buffer): Promise<string> {
  const form = multipart({ item: 'parties_photo' }, { name: 'frame.jpg', bytes: new Uint8Array(jpeg), type: 'image/jpeg' });
  const r = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().sha256 as string;
}

interface FaceItem { id: string; item: string; file: { sha256: string } | null; data: { ok: boolean; status: string; detail: string; verifyManually?: boolean; subject: { photo: string; name: string }; face: { score?: number; threshold: number | null; match?: boolean; probeFace?: object | null } } }

async function faceCheck(id: string, seat: string, body: object): Promise<FaceItem> {
  const r = await t.call('POST', `/api/cases/${id}/checks`, { token: seat, body });
  assert.equal(r.statusCode, 200, r.body);
  const receipt = r.json().find((c: { item: string }) => c.item === 'face_check');
  assert.ok(receipt, `a face_check result in ${r.body}`);
  const view = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
  return view.evidence.find((e: { id: string }) => e.id === receipt.id);
}

test('the driver on the video matches the licence photo: pass with score and threshold; another person fails; no face or no photo is "verify manually"; the checklist counts each driver', async () => {
  const { id, seat } = await caseInCall();
  const same = await partyPhoto(id, seat, await videoFrame(await author.demo()));
  const other = await partyPhoto(id, seat, await videoFrame(await anotherPerson()));
  const blank = await partyPhoto(id, seat, await emptyFrame());

  const wrong = await faceCheck(id, seat, { driver: ZHAO, faceImage: other });
  assert.deepEqual([wrong.data.ok, wrong.data.status, wrong.data.verifyManually, wrong.data.face.match], [false, 'invalid', true, false]);
  assert.ok(wrong.data.face.score! < 0.5, `a woman against his licence photo: ${wrong.data.face.score}`);
  assert.match(wrong.data.detail, /^人脸比对不一致（相似度 0\.\d\d，阈值 0\.50）/);

  const none = await faceCheck(id, seat, { driver: ZHAO, faceImage: blank });
  assert.deepEqual([none.data.ok, none.data.status, none.data.verifyManually, none.data.face.probeFace], [false, 'not_found', true, null]);
  assert.match(none.data.detail, /截图中未检测到人脸/);

  const pass = await faceCheck(id, seat, { driver: ZHAO, faceImage: same });
  assert.deepEqual([pass.data.ok, pass.data.status, pass.data.face.match, pass.data.face.threshold], [true, 'valid', true, 0.5], pass.data.detail);
  assert.ok(pass.data.face.score! >= 0.5, `score ${pass.data.face.score}`);
  assert.match(pass.data.detail, /^人脸比对一致（相似度 0\.\d\d，阈值 0\.50）$/);
  assert.deepEqual([pass.data.subject.photo, pass.data.subject.name], [same, '赵*'], 'the probe is named; the name masked');

  // The seat sees both pictures: the licence photo is the item's file, served from the case.
  const reference = await t.call('GET', `/api/cases/${id}/files/${pass.file!.sha256}`, { token: seat });
  assert.deepEqual([reference.statusCode, reference.headers['content-type']], [200, 'image/jpeg']);
  assert.notEqual(pass.file!.sha256, same);
  // …but a licence photo is not a photo the seat took: it cannot be passed off as a frame of the call.
  const refAsProbe = await t.call('POST', `/api/cases/${id}/checks`, { token: seat, body: { driver: ZHAO, faceImage: pass.file!.sha256 } });
  assert.equal(refAsProbe.statusCode, 400);

  const noPhoto = await faceCheck(id, seat, { driver: ZHOU, faceImage: same });
  assert.deepEqual([noPhoto.data.ok, noPhoto.data.status, noPhoto.data.verifyManually, noPhoto.file], [false, 'unavailable', true, null]);
  assert.match(noPhoto.data.detail, /未取得驾驶证照片（登记信息中无驾驶证照片），请人工比对/);

  const view = (await t.call('GET', `/api/cases/${id}`, { token: seat })).json();
  const line = view.checklist.lines.find((l: { id: string }) => l.id === 'face_check');
  assert.deepEqual([line.have, line.min, line.satisfied], [2, 2, true], 'both drivers compared (or to be verified by hand)');
  assert.deepEqual(line.findings.map((f: { status: string }) => f.status), ['unavailable'], "赵磊's newest result passed; 周强 is to be verified by hand");
  // The same registry call answered the driver check.
  assert.equal(view.evidence.filter((e: { item: string }) => e.item === 'driver_check').length, 4);
  await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '测试结束' } });
});

test('faceImage needs its driver and a photo of this case', async () => {
  const a = await caseInCall();
  const sha = await partyPhoto(a.id, a.seat, await emptyFrame());
  const noDriver = await t.call('POST', `/api/cases/${a.id}/checks`, { token: a.seat, body: { faceImage: sha } });
  assert.equal(noDriver.statusCode, 400);
  assert.match(noDriver.json().error.message, /give the driver/);
  await t.call('POST', `/api/cases/${a.id}/escalate`, { token: a.seat, body: { reason: '测试结束' } });
  const b = await caseInCall();
  const foreign = await t.call('POST', `/api/cases/${b.id}/checks`, { token: b.seat, body: { driver: ZHAO, faceImage: sha } });
  assert.equal(foreign.statusCode, 400);
  assert.match(foreign.json().error.message, /faceImage: not a photo of this case/);
  const typed = await t.call('POST', `/api/cases/${b.id}/evidence`, { token: b.seat, body: { item: 'face_check', data: { check: 'face_match', ok: true, status: 'valid' } } });
  assert.equal(typed.statusCode, 400, 'a face check cannot be typed in');
  await t.call('POST', `/api/cases/${b.id}/escalate`, { token: b.seat, body: { reason: '测试结束' } });
});
