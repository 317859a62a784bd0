/**
 * What the seat records for a Harbin case on the call, through the HTTP API: every text line of
 * the checklist, two photos per photo line (PNGs named .jpg: the type comes from the bytes), two
 * clips of the vehicles' angles, a statement of each party, and the registry checks of both
 * drivers and both cars: 张伟 with 黑A12345 and 李娜 with 黑AD56789 (all in force in June 2026).
 */
import assert from 'node:assert/strict';
import { solidPng, withPngText } from '@kuaichu/plugin-recognition-dev';
import { multipart, type TestCore } from './core.ts';
import { tinyWebm } from './media.ts';


/** Every text line of the checklist, a statement of each party, and the photos and clips: all but the registry checks. */
export async function recordHarbinFacts(t: TestCore, id: string, seat: string): Promise<void> {
  const text = async (item: string, data: Record<string, unknown>) => {
    const r = await t.call('POST', `/api/cases/${id}/evidence`, { token: seat, body: { item, data } });
    assert.equal(r.statusCode, 201, r.body);
  };
  await text('party_names', { names: ['张伟', '李娜'] });
  await text('plates', { plates: ['黑A12345', '黑AD56789'] });
  await text('time', { text: '2026-06-01 09:55' });
  await text('place', { text: '道里区中央大街与西十二道街交口' });
  await text('accident_type', { text: '追尾' });
  await text('statement', { party: '李娜', text: '我在等红灯，后车追尾。' });
  await text('statement', { party: '张伟', text: '我起步时没注意前车，追尾了。' });
  await recordHarbinMedia(t, id, seat);
}

export async function recordHarbinChecklist(t: TestCore, id: string, seat: string): Promise<void> {
  await recordHarbinFacts(t, id, seat);
  for (const [name, idNumber, plate] of [['张伟', '230102198503127810', '黑A12345'], ['李娜', '230103199007214422', '黑AD56789']] as const) {
    const checks = await t.call('POST', `/api/cases/${id}/checks`, { token: seat, body: { driver: { name, idNumber }, plate } });
    assert.equal(checks.statusCode, 200, checks.body);
    assert.deepEqual(checks.json().map((c: { ok: boolean }) => c.ok), [true, true, true]);
  }
}

/** Two photos per photo line and two clips of the vehicles' angles. */
export async function recordHarbinMedia(t: TestCore, id: string, seat: string): Promise<void> {
  const photo = async (item: string, i: number) => {
    const png = withPngText(solidPng(8, 8, [i * 20, 100, 50]), 'kuaichu-plate', '黑A12345');
    const form = multipart({ item }, { name: `${item}-${i}.jpg`, bytes: png, type: 'image/jpeg' });
    const r = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().contentType, 'image/png', 'type comes from the content, not the name');
  };
  for (const item of ['parties_photo', 'collision_closeups', 'plate_closeups']) for (const i of [1, 2]) await photo(item, i);
  for (const i of [1, 2]) {
    const form = multipart({ item: 'vehicle_angles' }, { name: `angle-${i}.webm`, bytes: tinyWebm(i), type: 'video/webm' });
    const r = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
    assert.equal(r.statusCode, 201, r.body);
  }
}
