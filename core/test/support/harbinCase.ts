/**
 * What the seat records for a Harbin case on the call, through the HTTP API: every text line of
 * the checklist, two photos per photo line (PNGs named .jpg: the type comes from the bytes), two
 * clips of the vehicles' angles, and the registry checks of 张伟 and 黑A12345 (in force in June 2026).
 */
import assert from 'node:assert/strict';
import { solidPng, withPngText } from '@kuaichu/plugin-recognition-dev';
import { multipart, type TestCore } from './core.ts';

const WEBM = Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d]);

export async function recordHarbinChecklist(t: TestCore, id: string, seat: string): Promise<void> {
  const text = async (item: string, data: Record<string, unknown>) => {
    const r = await t.call('POST', `/api/cases/${id}/evidence`, { token: seat, body: { item, data } });
    assert.equal(r.statusCode, 201, r.body);
  };
  await text('party_names', { names: ['张伟', '李娜'] });
  await text('plates', { plates: ['黑A12345', '黑AD56789'] });
  await text('time', { text: '2026-06-01 09:55' });
  await text('place', { text: '道里区中央大街与西十二道街交口' });
  await text('accident_type', { text: '追尾' });
  await text('statement', { text: '我在等红灯，后车追尾。' });
  const photo = async (item: string, i: number) => {
    const png = withPngText(solidPng(8, 8, [i * 20, 100, 50]), 'kuaichu-plate', '黑A12345');
    const form = multipart({ item }, { name: `${item}-${i}.jpg`, bytes: png, type: 'image/jpeg' });
    const r = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().contentType, 'image/png', 'type comes from the content, not the name');
  };
  for (const item of ['parties_photo', 'collision_closeups', 'plate_closeups']) for (const i of [1, 2]) await photo(item, i);
  for (const i of [1, 2]) {
    const form = multipart({ item: 'vehicle_angles' }, { name: `angle-${i}.webm`, bytes: Uint8Array.from([...WEBM, i]), type: 'video/webm' });
    const r = await t.call('POST', `/api/cases/${id}/evidence/file`, { token: seat, body: form.body, headers: form.headers });
    assert.equal(r.statusCode, 201, r.body);
  }
  const checks = await t.call('POST', `/api/cases/${id}/checks`, { token: seat, body: { driver: { name: '张伟', idNumber: '230102198503127810' }, plate: '黑A12345' } });
  assert.equal(checks.statusCode, 200, checks.body);
  assert.deepEqual(checks.json().map((c: { ok: boolean }) => c.ok), [true, true, true]);
}
