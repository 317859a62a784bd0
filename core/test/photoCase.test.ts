/**
 * Issue 18: a whole photo-path case (事故快处) over HTTP on PGlite — party A reports, takes the
 * shots and leaves; party B joins from their own phone (SMS link, or case number + SMS code);
 * both state the facts; they agree and sign with SMS codes, and the 自行协商协议书 is issued and
 * verifiable on /verify — or they disagree, the officer asks for more photos, determines, and
 * both acknowledge. With the refusals: a city without the photo path, a single vehicle, an
 * injury, a phone that is not the other party's, signing twice, used and expired links.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { PLACES } from '@kuaichu/testkit/places';
import { until } from '@kuaichu/testkit/until';
import { createDatabase, postgresForFile } from '@kuaichu/testkit/postgres';
import { forTenant } from '../src/db/tenantDb.ts';

let t: TestCore;
const pg = postgresForFile();

const PANLONG = { lng: PLACES.kunming.盘龙区[0], lat: PLACES.kunming.盘龙区[1] };
let key = 0;
const clientKey = () => `photo-test-${++key}-abcdef`;

/** A photo with something in it (a road-grey gradient, a car-sized block, noise); `seed` makes each photo's bytes differ. */
async function scene(seed: number, width = 800, height = 600): Promise<Uint8Array> {
  const px = Buffer.alloc(width * height * 3);
  let s = seed;
  const noise = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 21) - 10;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const car = x > width / 4 && x < (3 * width) / 4 && y > height / 3 && y < (2 * height) / 3;
      const base = car ? [180, 30 + seed, 40] : [90 + (y * 80) / height, 90 + (y * 80) / height, 95 + (y * 80) / height];
      for (let c = 0; c < 3; c++) px[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, base[c]! + noise()));
    }
  }
  return new Uint8Array(await sharp(px, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer());
}

async function blank(): Promise<Uint8Array> {
  return new Uint8Array(await sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 0, g: 0, b: 0 } } }).jpeg().toBuffer());
}

const shot = (token: string, id: string, s: string, bytes: Uint8Array) => {
  const form = multipart({}, { name: 'shot.jpg', bytes, type: 'image/jpeg' });
  return t.call('POST', `/api/photo-cases/${id}/shots/${s}`, { token, body: form.body, headers: form.headers });
};

/** The newest SMS a phone received (the development outbox, newest first). */
async function lastSms(tenant: string, phone: string): Promise<string> {
  const r = await t.call('GET', `/api/admin/sms-outbox?to=${phone}`, { token: await t.staff(tenant, 'admin') });
  return r.json().messages[0]?.text ?? '';
}
async function allSms(tenant: string, phone: string): Promise<string[]> {
  const r = await t.call('GET', `/api/admin/sms-outbox?to=${phone}`, { token: await t.staff(tenant, 'admin') });
  return r.json().messages.map((m: { text: string }) => m.text);
}

const report = (token: string, body: object) => t.call('POST', '/api/photo-cases', { token, body: { clientKey: clientKey(), ...body } });

/** A case reported by A with every required shot taken and the scene left. */
async function leftScene(a: string, bPhone: string): Promise<{ id: string; number: string }> {
  const r = await report(a, { report: { location: PANLONG, kind: 'motor_motor', address: '北京路与白塔路口' }, otherPartyPhone: bPhone });
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().id as string;
  let seed = 1;
  for (const s of ['side_front', 'side_front', 'side_rear', 'side_rear', 'collision_point']) {
    const up = await shot(a, id, s, await scene(seed++));
    assert.equal(up.statusCode, 201, up.body);
  }
  const left = await t.call('POST', `/api/photo-cases/${id}/leave-scene`, { token: a });
  assert.equal(left.statusCode, 200, left.body);
  assert.equal(left.json().state, 'photo_statements');
  return { id, number: r.json().number };
}

const details = (name: string, plate: string, parts: string[], account: string) => ({
  licence: { name, number: '530102198501011234', class: 'C1' },
  vehicle: { plate, class: 'small_car', insurerId: 'pingan' },
  statement: { place: '昆明市盘龙区北京路与白塔路口', time: '2026-06-01T01:55:00Z', weather: 'sunny', collisionForm: 'rear_end', damagedParts: parts, account },
});

/** Signs with a fresh SMS code to the party's phone (a party who has just signed in may sign at once; the next code waits a minute). */
async function sign(token: string, id: string, phone: string, wait = true) {
  if (wait) t.clock.advance(61_000);
  const sent = await t.call('POST', `/api/photo-cases/${id}/sign/code`, { token });
  if (sent.statusCode !== 200) return sent;
  const code = /验证码为 (\d{6})/.exec(await lastSms('kunming', phone))![1];
  return t.call('POST', `/api/photo-cases/${id}/sign`, { token, body: { code, challenge: sent.json().challenge } });
}

// The whole path on both databases: PGlite (embedded) and a real PostgreSQL, each with row-level security.
for (const kind of ['pglite', 'postgres'] as const) describe(`the photo path on ${kind}`, () => {
  before(async () => {
    t = await startTestCore(kind === 'pglite' ? { kind } : { kind, url: await createDatabase(pg.url, 'photo') });
  });
  after(() => t?.close());

  describe('reporting on the photo path', () => {
    test('a city without the photo path (Harbin) refuses with KC_PATH_NOT_OFFERED', async () => {
      const a = await t.party('harbin', '13900001800');
      const r = await report(a, { report: { location: { lng: PLACES.harbin.道里区[0], lat: PLACES.harbin.道里区[1] }, kind: 'motor_motor' }, otherPartyPhone: '13900001899' });
      assert.equal(r.statusCode, 409, r.body);
      assert.equal(r.json().error.code, 'KC_PATH_NOT_OFFERED');
      assert.deepEqual(r.json().error.details.offered, ['video']);
    });

    test('a single vehicle and an injury are recorded as ineligible with the photo path’s reasons, and nobody is invited', async () => {
      const a = await t.party('kunming', '13900001810');
      const single = await report(a, { report: { location: PANLONG, kind: 'single_vehicle' }, otherPartyPhone: '13900001811' });
      assert.equal(single.statusCode, 201, single.body);
      assert.equal(single.json().state, 'ineligible');
      assert.equal(single.json().path, 'photo');
      assert.equal(single.json().eligible, false);
      assert.deepEqual(single.json().decision.reasons.map((x: { code: string }) => x.code), ['type_not_accepted']);
      assert.ok(single.json().decision.fallback.phones.length > 0);
      const hurt = await report(a, { report: { location: PANLONG, kind: 'motor_motor', injury: 'minor' }, otherPartyPhone: '13900001811' });
      assert.equal(hurt.json().state, 'ineligible');
      assert.deepEqual(hurt.json().decision.reasons.map((x: { code: string }) => x.code), ['injury_not_accepted']);
      const drunk = await report(a, { report: { location: PANLONG, kind: 'motor_motor', disqualifiers: ['drink_driving'] }, otherPartyPhone: '13900001811' });
      assert.deepEqual(drunk.json().decision.reasons.map((x: { code: string }) => x.code), ['drink_driving']);
      assert.deepEqual(await allSms('kunming', '13900001811'), []);
      // Refused, so no shot is taken on it.
      const up = await shot(a, single.json().id, 'side_front', await scene(3));
      assert.equal(up.statusCode, 404, up.body);
    });

    test('shots: a blank photo is refused, leaving before every required shot is in is refused with what is missing', async () => {
      const a = await t.party('kunming', '13900001820');
      const r = await report(a, { report: { location: PANLONG, kind: 'motor_motor' }, otherPartyPhone: '13900001821' });
      assert.equal(r.statusCode, 201, r.body);
      assert.equal(r.json().state, 'photo_capture');
      assert.deepEqual(r.json().shots.map((s: { id: string; need: number }) => [s.id, s.need]), [['side_front', 2], ['side_rear', 2], ['collision_point', 1], ['road_markings', 0]]);
      const id = r.json().id;
      const black = await shot(a, id, 'side_front', await blank());
      assert.equal(black.statusCode, 422);
      assert.equal(black.json().error.code, 'KC_PHOTO_BLANK');
      const ok = await shot(a, id, 'side_front', await scene(9));
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(ok.json().photos.length, 1);
      assert.equal(ok.json().photos[0].by, 'A');
      const early = await t.call('POST', `/api/photo-cases/${id}/leave-scene`, { token: a });
      assert.equal(early.statusCode, 409);
      assert.equal(early.json().error.code, 'KC_PHOTO_SHOTS_MISSING');
      assert.deepEqual(early.json().error.details.missing, [{ shot: 'side_front', need: 2, have: 1 }, { shot: 'side_rear', need: 2, have: 0 }, { shot: 'collision_point', need: 1, have: 0 }]);
      // The evidence chain holds the shot: the staff's case view lists it.
      const officer = await t.staff('kunming', 'officer');
      const seen = await t.call('GET', `/api/photo-cases/${id}`, { token: officer });
      assert.equal(seen.statusCode, 200, seen.body);
      assert.equal(seen.json().role, null);
      assert.equal(seen.json().photos.length, 1);
    });
  });

  describe('party B joins', () => {
    test('by the SMS link: signed in as the invited phone; the link works once; a replaced link and an expired link are refused', async () => {
      const a = await t.party('kunming', '13900001830');
      const r = await report(a, { report: { location: PANLONG, kind: 'motor_motor' }, otherPartyPhone: '13900001831' });
      const first = /\/join\/([A-Za-z0-9_-]+)/.exec(await lastSms('kunming', '13900001831'))![1]!;
      // A corrects the phone: the first link is void.
      t.clock.advance(1000);
      const again = await t.call('POST', `/api/photo-cases/${r.json().id}/invite`, { token: a, body: { phone: '13900001832' } });
      assert.equal(again.statusCode, 200, again.body);
      const replaced = await t.call('POST', '/api/cities/kunming/photo-join', { body: { token: first } });
      assert.equal(replaced.statusCode, 410);
      assert.equal(replaced.json().error.code, 'KC_JOIN_TOKEN_USED');
      const bogus = await t.call('POST', '/api/cities/kunming/photo-join', { body: { token: 'A'.repeat(32) } });
      assert.equal(bogus.statusCode, 404);
      assert.equal(bogus.json().error.code, 'KC_JOIN_TOKEN_INVALID');
      const second = /\/join\/([A-Za-z0-9_-]+)/.exec(await lastSms('kunming', '13900001832'))![1]!;
      const joined = await t.call('POST', '/api/cities/kunming/photo-join', { body: { token: second } });
      assert.equal(joined.statusCode, 200, joined.body);
      assert.equal(joined.json().caseId, r.json().id);
      const b = joined.json().session.token as string;
      const seen = await t.call('GET', `/api/photo-cases/${r.json().id}`, { token: b });
      assert.equal(seen.json().role, 'B');
      assert.equal(seen.json().parties[1].phone, '13900001832', 'B sees their own phone');
      assert.match(seen.json().parties[0].phone, /\*/, 'and A’s masked');
      // B sees the case in their list and through the ordinary case route too.
      assert.equal((await t.call('GET', `/api/cases/${r.json().id}`, { token: b })).statusCode, 200);
      const used = await t.call('POST', '/api/cities/kunming/photo-join', { body: { token: second } });
      assert.equal(used.statusCode, 410);
      assert.equal(used.json().error.code, 'KC_JOIN_TOKEN_USED');
      // B has joined: no new link.
      const late = await t.call('POST', `/api/photo-cases/${r.json().id}/invite`, { token: a, body: { phone: '13900001833' } });
      assert.equal(late.statusCode, 409);
      assert.equal(late.json().error.code, 'KC_PHOTO_PARTY_JOINED');

      const other = await report(a, { report: { location: PANLONG, kind: 'motor_motor' }, otherPartyPhone: '13900001834' });
      assert.equal(other.statusCode, 201);
      const stale = /\/join\/([A-Za-z0-9_-]+)/.exec(await lastSms('kunming', '13900001834'))![1]!;
      t.clock.advance(25 * 3600_000);
      const expired = await t.call('POST', '/api/cities/kunming/photo-join', { body: { token: stale } });
      assert.equal(expired.statusCode, 410);
      assert.equal(expired.json().error.code, 'KC_JOIN_TOKEN_EXPIRED');
    });

    test('by case number after an SMS sign-in: a phone that is not the one A named (or A’s own) is refused', async () => {
      const a = await t.party('kunming', '13900001840');
      const { id, number } = await leftScene(a, '13900001841');
      const stranger = await t.party('kunming', '13900001849');
      const wrong = await t.call('POST', '/api/photo-cases/join', { token: stranger, body: { caseNumber: number } });
      assert.equal(wrong.statusCode, 403);
      assert.equal(wrong.json().error.code, 'KC_PHOTO_NOT_OTHER_PARTY');
      const self = await t.call('POST', '/api/photo-cases/join', { token: a, body: { caseNumber: number } });
      assert.equal(self.json().error.code, 'KC_PHOTO_NOT_OTHER_PARTY');
      assert.equal((await t.call('GET', `/api/photo-cases/${id}`, { token: stranger })).statusCode, 404, 'the stranger does not see the case');
      const b = await t.party('kunming', '13900001841');
      const joined = await t.call('POST', '/api/photo-cases/join', { token: b, body: { caseNumber: number } });
      assert.equal(joined.statusCode, 200, joined.body);
      assert.equal(joined.json().role, 'B');
      assert.equal(joined.json().photos.length, 5, 'B sees A’s photos');
      const photo = await t.call('GET', joined.json().photos[0].url, { token: b });
      assert.equal(photo.statusCode, 200);
      assert.equal(photo.headers['content-type'], 'image/jpeg');
      assert.equal((await t.call('GET', joined.json().photos[0].url, { token: stranger })).statusCode, 404);
    });
  });

  describe('live updates', () => {
    test('party B’s open app hears of a change party A makes to the case', async () => {
      const a = await t.party('kunming', '13900001870');
      const { id, number } = await leftScene(a, '13900001871');
      const b = await t.party('kunming', '13900001871');
      await t.call('POST', '/api/photo-cases/join', { token: b, body: { caseNumber: number } });
      const heard: Array<Record<string, unknown>> = [];
      const ws = await t.core.app.injectWS('/api/live', { headers: { authorization: `Bearer ${b}` } }, {
        onInit: (w) => void w.on('message', (data: Buffer) => heard.push(JSON.parse(data.toString()))),
      });
      try {
        await until(() => heard.some((m) => m.kind === 'hello'), 'the hello');
        const r = await t.call('POST', `/api/photo-cases/${id}/statement`, { token: a, body: details('孙七', '云A33333', ['front_bumper'], '前车急刹。') });
        assert.equal(r.statusCode, 200, r.body);
        await until(() => heard.some((m) => m.kind === 'case' && m.caseId === id && m.lastEvent === 'photo.statement'), 'the statement pushed to B');
      } finally {
        ws.terminate();
      }
    });
  });

  describe('the agreement (自行协商协议书)', () => {
    test('both state the facts, agree, sign once each with an SMS code; the agreement is issued to both and verifies on /verify', async () => {
      const A = '13900001850';
      const B = '13900001851';
      const a = await t.party('kunming', A);
      const { id, number } = await leftScene(a, B);
      const b = await t.party('kunming', B);
      assert.equal((await t.call('POST', '/api/photo-cases/join', { token: b, body: { caseNumber: number } })).statusCode, 200);

      const sa = await t.call('POST', `/api/photo-cases/${id}/statement`, { token: a, body: details('张三', '云A12345', ['front_bumper'], '我车跟车过近，追尾前车。') });
      assert.equal(sa.statusCode, 200, sa.body);
      const early = await t.call('POST', `/api/photo-cases/${id}/liability`, { token: a, body: { parties: [{ role: 'A', faultBehaviour: '未保持安全车距', liability: 'full' }, { role: 'B', faultBehaviour: '无', liability: 'none' }] } });
      assert.equal(early.statusCode, 409);
      assert.equal(early.json().error.code, 'KC_PHOTO_STATEMENTS_MISSING');
      const sb = await t.call('POST', `/api/photo-cases/${id}/statement`, { token: b, body: details('李四', '云A54321', ['rear_bumper'], '等红灯时被后车追尾。') });
      assert.equal(sb.statusCode, 200, sb.body);
      assert.equal(sb.json().parties[0].details.licence.name, '张三', 'B sees A’s statement');
      assert.equal(sb.json().parties[0].details.licence.number, '5301**********1234', 'A’s licence number masked for B');
      assert.equal(sb.json().parties[1].details.licence.number, '530102198501011234', 'B’s own in full');

      const wrong = await t.call('POST', `/api/photo-cases/${id}/liability`, { token: b, body: { parties: [{ role: 'A', faultBehaviour: '未保持安全车距', liability: 'full' }, { role: 'B', faultBehaviour: '无', liability: 'primary' }] } });
      assert.equal(wrong.statusCode, 422);
      assert.equal(wrong.json().error.code, 'KC_LIABILITY_INCONSISTENT');
      const proposed = await t.call('POST', `/api/photo-cases/${id}/liability`, { token: b, body: { parties: [{ role: 'B', faultBehaviour: '无', liability: 'none' }, { role: 'A', faultBehaviour: '未保持安全车距', liability: 'full' }] } });
      assert.equal(proposed.statusCode, 200, proposed.body);
      assert.equal(proposed.json().state, 'agreement_pending');
      assert.deepEqual(proposed.json().liability.parties.map((p: { role: string }) => p.role), ['A', 'B']);

      const signedA = await sign(a, id, A, false);
      assert.equal(signedA.statusCode, 200, signedA.body);
      assert.ok(signedA.json().parties[0].signedAt);
      assert.equal(signedA.json().state, 'agreement_pending');
      const twice = await sign(a, id, A);
      assert.equal(twice.statusCode, 409);
      assert.equal(twice.json().error.code, 'KC_ALREADY_SIGNED');

      const signedB = await sign(b, id, B);
      assert.equal(signedB.statusCode, 200, signedB.body);
      const done = signedB.json();
      assert.equal(done.state, 'agreed');
      assert.equal(done.document.kind, 'agreement');
      assert.equal(done.document.ready, true);
      assert.match(done.document.number, /-XY-2026-\d{6}$/);

      const pdf = await t.call('GET', done.document.pdf, { token: b });
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.ok(pdf.rawPayload.subarray(0, 5).toString() === '%PDF-');
      const verified = await t.call('GET', `/api/verify/${done.document.verifyCode}`);
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().authentic, true);
      assert.equal(verified.json().intact, true);
      assert.equal(verified.json().kind, 'agreement');
      assert.equal(verified.json().number, done.document.number);
      assert.deepEqual(verified.json().parties.map((p: { liability: string }) => p.liability), ['full', 'none']);
      for (const phone of [A, B]) assert.ok((await allSms('kunming', phone)).some((s) => s.includes(done.document.number) && s.includes(`/verify/${done.document.verifyCode}`)), `the agreement SMS reached ${phone}`);

      // The history the analytics reads: photo path, agreement, report → agreement time.
      const officer = await t.staff('kunming', 'officer');
      const view = await t.call('GET', `/api/cases/${id}`, { token: officer });
      const types = view.json().timeline.map((e: { type: string }) => e.type);
      for (const ty of ['photo.reported', 'photo.left_scene', 'photo.party_joined', 'photo.statement', 'photo.liability_proposed', 'photo.signed', 'photo.agreed']) assert.ok(types.includes(ty), `${ty} in ${types}`);
      const after = await sign(b, id, B);
      assert.equal(after.statusCode, 409, 'nothing left to sign');
      // 定损理赔 on the agreement: each vehicle's insurer gets a claim; the case stays agreed (no review of an agreement).
      const claims = await t.call('POST', `/api/cases/${id}/claims`, { token: b });
      assert.equal(claims.statusCode, 200, claims.body);
      assert.deepEqual(claims.json().map((c: { plate: string }) => c.plate).sort(), ['云A12345', '云A54321']);
      assert.equal((await t.call('GET', `/api/photo-cases/${id}`, { token: a })).json().state, 'agreed');
      const record = (await t.call('GET', `/api/cases/${id}`, { token: a })).json();
      assert.deepEqual([record.determination.kind, record.determination.reviewDeadline], ['agreement', null]);
      const review = await t.call('POST', `/api/cases/${id}/reviews`, { token: a, body: { reason: '对协议有异议，申请复核。' } });
      assert.equal(review.statusCode, 409, 'an agreement is not reviewed');
    });
  });

  describe('withdrawing the case (撤销)', () => {
    const cancel = (token: string, id: string, note?: string) => t.call('POST', `/api/photo-cases/${id}/cancel`, { token, body: note ? { note } : {} });
    const payloadOf = async (id: string) => forTenant(t.db, 'kunming').query<{ payload: Record<string, unknown>; actor: string }>("SELECT payload, actor FROM case_events WHERE tenant = 'kunming' AND case_id = $1 AND type = 'photo.cancelled'", [id]);

    test('party A withdraws while taking photos: the case ends abandoned, the event says who and from where, B’s link dies, nothing more is accepted', async () => {
      const a = await t.party('kunming', '13900001880');
      const r = await report(a, { report: { location: PANLONG, kind: 'motor_motor' }, otherPartyPhone: '13900001881' });
      const id = r.json().id as string;
      const link = /\/join\/([A-Za-z0-9_-]+)/.exec(await lastSms('kunming', '13900001881'))![1]!;
      const stranger = await t.party('kunming', '13900001889');
      assert.equal((await cancel(stranger, id)).statusCode, 404, 'only a party of the case may withdraw it');
      const done = await cancel(a, id, '双方已私了');
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(done.json().state, 'abandoned');
      const [ev] = await payloadOf(id);
      assert.deepEqual(ev?.payload, { role: 'A', from: 'photo_capture', note: '双方已私了' });
      assert.equal(ev?.actor, 'party:A');
      const again = await cancel(a, id);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'KC_PHOTO_NOT_CANCELLABLE');
      assert.equal(again.json().error.details.state, 'abandoned');
      const joined = await t.call('POST', '/api/cities/kunming/photo-join', { body: { token: link } });
      assert.equal(joined.statusCode, 410, 'the join link died with the case');
      assert.equal((await shot(a, id, 'side_front', await scene(60))).statusCode, 409, 'no photo after withdrawing');
    });

    test('party B may withdraw before anyone signs; after one signature neither may, and the proposal still stands', async () => {
      const A = '13900001890';
      const B = '13900001891';
      const a = await t.party('kunming', A);
      const { id, number } = await leftScene(a, B);
      const b = await t.party('kunming', B);
      await t.call('POST', '/api/photo-cases/join', { token: b, body: { caseNumber: number } });
      await t.call('POST', `/api/photo-cases/${id}/statement`, { token: a, body: details('周一', '云A44444', ['front_bumper'], '追尾。') });
      await t.call('POST', `/api/photo-cases/${id}/statement`, { token: b, body: details('吴二', '云A55555', ['rear_bumper'], '被追尾。') });
      const proposed = await t.call('POST', `/api/photo-cases/${id}/liability`, { token: a, body: { parties: [{ role: 'A', faultBehaviour: '未保持安全车距', liability: 'full' }, { role: 'B', faultBehaviour: '无', liability: 'none' }] } });
      assert.equal(proposed.json().state, 'agreement_pending');
      const signed = await sign(a, id, A, false);
      assert.equal(signed.statusCode, 200, signed.body);
      const late = await cancel(b, id);
      assert.equal(late.statusCode, 409);
      assert.equal(late.json().error.code, 'KC_PHOTO_NOT_CANCELLABLE');
      assert.deepEqual(late.json().error.details.signed, ['A']);
      assert.equal((await t.call('GET', `/api/photo-cases/${id}`, { token: b })).json().state, 'agreement_pending');

      // Another case: B withdraws while the officer has it (在线定责, not yet decided); it leaves the desk, and cannot be determined.
      const other = await leftScene(a, B);
      await t.call('POST', '/api/photo-cases/join', { token: b, body: { caseNumber: other.number } });
      await t.call('POST', `/api/photo-cases/${other.id}/statement`, { token: b, body: details('吴二', '云A55555', ['rear_bumper'], '被追尾。') });
      await t.call('POST', `/api/photo-cases/${other.id}/statement`, { token: a, body: details('周一', '云A44444', ['front_bumper'], '追尾。') });
      assert.equal((await t.call('POST', `/api/photo-cases/${other.id}/online`, { token: a, body: { reason: 'asked' } })).json().state, 'evacuated');
      const gone = await cancel(b, other.id);
      assert.equal(gone.statusCode, 200, gone.body);
      assert.equal(gone.json().state, 'abandoned');
      assert.deepEqual((await payloadOf(other.id))[0]?.payload, { role: 'B', from: 'evacuated' });
      const officer = await t.staff('kunming', 'officer');
      assert.ok(!(await t.call('GET', '/api/officer/cases', { token: officer })).json().some((c: { id: string }) => c.id === other.id), 'off the officer desk');
      const decided = await t.call('POST', `/api/cases/${other.id}/determination`, { token: officer, body: { facts: '两车追尾，无人受伤。', parties: [
        { name: '周一', plate: '云A44444', faultBehaviour: '未保持安全车距', liability: 'full' },
        { name: '吴二', plate: '云A55555', faultBehaviour: '无', liability: 'none' },
      ] } });
      assert.equal(decided.statusCode, 409, decided.body);
    });
  });

  describe('online determination (在线定责)', () => {
    test('a party asks for it; the officer asks B for more photos, B answers; the officer determines; both are served and acknowledge', async () => {
      const A = '13900001860';
      const B = '13900001861';
      const a = await t.party('kunming', A);
      const { id, number } = await leftScene(a, B);
      const b = await t.party('kunming', B);
      await t.call('POST', '/api/photo-cases/join', { token: b, body: { caseNumber: number } });
      await t.call('POST', `/api/photo-cases/${id}/statement`, { token: a, body: details('王五', '云A11111', ['right_front'], '对方变道未打灯。') });
      await t.call('POST', `/api/photo-cases/${id}/statement`, { token: b, body: details('赵六', '云A22222', ['left_rear'], '我正常直行。') });
      const asked = await t.call('POST', `/api/photo-cases/${id}/online`, { token: b, body: { reason: 'disagree', note: '对责任有争议' } });
      assert.equal(asked.statusCode, 200, asked.body);
      assert.equal(asked.json().state, 'evacuated');
      assert.equal(asked.json().online.requestedBy, 'B');

      const officer = await t.staff('kunming', 'officer');
      const desk = await t.call('GET', '/api/officer/cases', { token: officer });
      const onDesk = desk.json().find((c: { id: string }) => c.id === id);
      assert.ok(onDesk, 'the case is on the officer desk');
      assert.equal(onDesk.path, 'photo');

      // No request yet: the parties cannot add photos.
      assert.equal((await shot(b, id, 'extra', await scene(40))).statusCode, 409);
      const req = await t.call('POST', `/api/photo-cases/${id}/photo-requests`, { token: officer, body: { note: '请补拍乙方车辆左后部近景', from: 'B' } });
      assert.equal(req.statusCode, 201, req.body);
      assert.equal(req.json().photoRequests[0].fulfilledAt, null);
      assert.equal((await t.call('POST', `/api/photo-cases/${id}/photo-requests`, { token: a, body: { note: '探测', from: 'A' } })).statusCode, 401, 'a party is no officer');
      const seenByB = await t.call('GET', `/api/photo-cases/${id}`, { token: b });
      assert.equal(seenByB.json().photoRequests[0].note, '请补拍乙方车辆左后部近景');
      assert.equal((await shot(a, id, 'extra', await scene(41))).statusCode, 409, 'the request named B only');
      const more = await shot(b, id, 'extra', await scene(42));
      assert.equal(more.statusCode, 201, more.body);
      assert.ok(more.json().photoRequests[0].fulfilledAt);
      assert.equal(more.json().photos.at(-1).by, 'B');

      const decided = await t.call('POST', `/api/cases/${id}/determination`, {
        token: officer,
        body: { facts: '甲方变更车道时未让所借用车道内行驶的乙方车辆先行，发生碰撞。', parties: [
          { name: '王五', plate: '云A11111', faultBehaviour: '变更车道影响正常行驶', liability: 'full' },
          { name: '赵六', plate: '云A22222', faultBehaviour: '无', liability: 'none' },
        ] },
      });
      assert.equal(decided.statusCode, 201, decided.body);
      assert.equal(decided.json().state, 'served');
      assert.ok((await allSms('kunming', B)).some((s) => s.includes('认定书编号')), 'party B is served by SMS too');
      const tooLate = await t.call('POST', `/api/photo-cases/${id}/cancel`, { token: a, body: {} });
      assert.equal(tooLate.statusCode, 409, 'a determined case is not withdrawn');
      assert.equal(tooLate.json().error.code, 'KC_PHOTO_NOT_CANCELLABLE');

      const ackA = await t.call('POST', `/api/photo-cases/${id}/acknowledge`, { token: a });
      assert.equal(ackA.statusCode, 200, ackA.body);
      assert.ok(ackA.json().parties[0].acknowledgedAt);
      assert.equal(ackA.json().parties[1].acknowledgedAt, null);
      const ackB = await t.call('POST', `/api/photo-cases/${id}/acknowledge`, { token: b });
      assert.ok(ackB.json().parties[1].acknowledgedAt);
      assert.equal(ackB.json().document.kind, 'determination');
      const again = await t.call('POST', `/api/photo-cases/${id}/acknowledge`, { token: b });
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().parties[1].acknowledgedAt, ackB.json().parties[1].acknowledgedAt, 'recorded once');
      const types = (await t.call('GET', `/api/cases/${id}`, { token: officer })).json().timeline.map((e: { type: string }) => e.type);
      assert.equal(types.filter((x: string) => x === 'photo.acknowledged').length, 2);
      assert.ok(types.includes('photo.online_requested') && types.includes('photo.more_photos_requested'));
    });
  });
});
