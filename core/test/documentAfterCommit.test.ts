/**
 * Issue 15: the e-determination's PDF is rendered after the determination commits, not inside
 * its transaction. A process that stops in between (here: the file store fails at that moment)
 * leaves a determined case whose document is "being prepared" — its PDF route answers 503 with
 * Retry-After, its code verifies nothing yet, it is not served — and the queue's beat finishes
 * it once it is a minute old: rendered from the stored content, stored, served, verifiable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { recordHarbinChecklist } from '@kuaichu/testkit/harbinCase';
import { answer, caseState, reported, seatReady } from '@kuaichu/testkit/cases';

describe('the e-determination after the commit', () => {
  let t: TestCore;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
  });
  after(async () => {
    await t?.close();
  });

  test('a determination whose PDF was not stored is "being prepared", then finished by the beat', async () => {
    const seat = await seatReady(t);
    const { id, party } = await reported(t, '13900150201');
    await answer(t, id, seat);
    await recordHarbinChecklist(t, id, seat);
    assert.equal((await t.call('POST', `/api/cases/${id}/evacuate`, { token: seat })).statusCode, 200);
    const officer = await t.staff('harbin', 'officer');

    const files = t.core.ctx.files;
    const put = files.put.bind(files);
    files.put = async () => { throw new Error('disk gone'); };
    try {
      const r = await t.call('POST', `/api/cases/${id}/determination`, { token: officer, body: { facts: '张伟驾驶黑A12345追尾李娜驾驶的黑AD56789。', parties: [
        { name: '张伟', plate: '黑A12345', vehicleClass: 'small_car', insurerId: 'picc', faultBehaviour: '未与前车保持安全距离', liability: 'full' },
        { name: '李娜', plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' }] } });
      assert.equal(r.statusCode, 500, 'the request fails after the commit');
    } finally {
      files.put = put;
    }
    assert.equal(await caseState(t, id, officer), 'determined', 'the determination committed without its PDF');
    const view = (await t.call('GET', `/api/cases/${id}`, { token: party })).json();
    const code = String(view.determination.verifyUrl).split('/verify/')[1]!;
    const preparing = await t.call('GET', `/api/cases/${id}/document.pdf`, { token: party });
    assert.equal(preparing.statusCode, 503);
    assert.equal(preparing.json().error.code, 'KC_UNAVAILABLE');
    assert.equal(preparing.headers['retry-after'], '2');
    assert.equal((await t.call('GET', `/api/verify/${code}`)).statusCode, 404, 'not served: the code verifies nothing yet');

    await t.core.tick();
    assert.equal(await caseState(t, id, officer), 'determined', 'the beat leaves a fresh one to its own request');
    t.clock.advance(61_000);
    await t.core.tick();
    assert.equal(await caseState(t, id, officer), 'served');
    const pdf = await t.call('GET', `/api/cases/${id}/document.pdf`, { token: party });
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    const verified = (await t.call('GET', `/api/verify/${code}`)).json();
    assert.deepEqual([verified.authentic, verified.intact], [true, true]);
    await t.core.tick();
    assert.equal(await caseState(t, id, officer), 'served', 'finished once');
  });
});
