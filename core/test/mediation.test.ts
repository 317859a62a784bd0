/**
 * Online mediation (线上调解室, issue 14) over the HTTP API on PGlite, with real partner accounts:
 * a Yancheng case with its room's invitations accepted (testkit yanchengRoom); the mediator books
 * a time in city time, opens the mediation at the time (the room admits the mediator), records the
 * agreement; both parties sign with SMS codes; the 调解协议书 PDF is verified on /verify. Then a
 * mediation not agreed, and the refusals: a city without the feature, a mediator not invited (404),
 * signing twice, a time in the past, opening before the time. Then the clock of a booking (schedule.ts): the
 * reminder before the time (once, with two processes' rounds at once), the no-show after the time and
 * the grace (never opened; opened without party B), booked again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { yanchengRoom } from '@kuaichu/testkit/yanchengRoom';
import { reported } from '@kuaichu/testkit/cases';
import { forTenant } from '../src/db/tenantDb.ts';
import { loadSession } from '../src/auth/sessions.ts';
import { mediaEntry } from '../src/media/admission.ts';
import { capitalYuan } from '../src/documents/determinationText.ts';
import { cityTime } from '../src/mediation/mediation.ts';
import { mediationTick } from '../src/mediation/schedule.ts';
import { roomReports } from '../src/media/roomReports.ts';

const ok = (r: { statusCode: number; body: string }, status = 200) => {
  assert.equal(r.statusCode, status, r.body);
  return JSON.parse(r.body);
};

describe('mediation rules', () => {
  test('amounts in Chinese capitals', () => {
    assert.equal(capitalYuan(320_000), '叁仟贰佰元整');
    assert.equal(capitalYuan(12_345), '壹佰贰拾叁元肆角伍分');
    assert.equal(capitalYuan(1_000_500), '壹万零伍元整');
  });
  test('a booking time is the city’s local time', () => {
    assert.equal(cityTime('2026-06-01T10:30', 'Asia/Shanghai').toISOString(), '2026-06-01T02:30:00.000Z');
  });
});

describe('online mediation over the API (PGlite)', () => {
  let t: TestCore;
  before(async () => { t = await startTestCore({ kind: 'pglite' }); });
  after(async () => { await t?.close(); });

  const phones = async (caseId: string) => (await forTenant(t.db, 'yancheng').query<{ party_phone: string; party_b_phone: string }>(
    'SELECT party_phone, party_b_phone FROM cases WHERE tenant = $1 AND id = $2', ['yancheng', caseId]))[0]!;
  /** The party signs: a code to their phone (read from the outbox, as the phone would), then the signature. */
  async function sign(token: string, phone: string, mediationId: string) {
    const sent = await t.call('POST', `/api/mediations/${mediationId}/sign/code`, { token });
    if (sent.statusCode !== 200) return sent;
    const outbox = ok(await t.call('GET', `/api/admin/sms-outbox?to=${phone}`, { token: await t.staff('yancheng', 'admin') }));
    const code = /验证码为 (\d{6})/.exec(outbox.messages.find((m: { text: string }) => /验证码为/.test(m.text)).text)?.[1];
    return t.call('POST', `/api/mediations/${mediationId}/sign`, { token, body: { code, challenge: sent.json().challenge } });
  }

  test('booked → opened at the time (mediator in the room) → agreed → both sign → 调解协议书 verified; refusals', async () => {
    t.clock.set('2026-06-01T10:00:00+08:00');
    const room = await yanchengRoom(t);
    const { tokens, caseId } = room;
    const { party_phone: phoneA, party_b_phone: phoneB } = await phones(caseId);

    // Refusals of the booking: a time past; a stranger mediator org (not invited) → 404.
    const past = await t.call('POST', `/api/cases/${caseId}/mediations`, { token: tokens.mediator, body: { startsAt: '2026-06-01T09:00' } });
    assert.equal(past.statusCode, 422, past.body);
    assert.equal(past.json().error.code, 'KC_MEDIATION_IN_PAST');
    const admin = await t.staff('yancheng', 'admin');
    const otherOrg = ok(await t.call('POST', '/api/admin/partners', { token: admin, body: { kind: 'mediator', name: '未受邀调解委员会' } }), 201);
    ok(await t.call('POST', `/api/admin/partners/${otherOrg.id}/people`, { token: admin, body: { username: 'med-stranger', displayName: '陌生调解员', password: 'Yc-stranger-med-9Kq2' } }), 201);
    const stranger = ok(await t.call('POST', '/api/cities/yancheng/partner/session', { body: { username: 'med-stranger', password: 'Yc-stranger-med-9Kq2' } })).token;
    assert.equal((await t.call('POST', `/api/cases/${caseId}/mediations`, { token: stranger, body: { startsAt: '2026-06-01T10:30' } })).statusCode, 404);
    assert.equal((await t.call('POST', `/api/cases/${caseId}/mediations`, { token: tokens.party_a, body: { startsAt: '2026-06-01T10:30' } })).statusCode, 403, 'a party does not book');

    // The invited mediator books 10:30 city time.
    const booked = ok(await t.call('POST', `/api/cases/${caseId}/mediations`, { token: tokens.mediator, body: { startsAt: '2026-06-01T10:30' } }), 201);
    const id = booked.mediation.id as string;
    assert.equal(booked.mediation.status, 'scheduled');
    assert.equal(booked.mediation.startsAt, '2026-06-01T02:30:00.000Z');
    assert.equal(booked.mediation.startsAtLocal, '2026-06-01T10:30');
    const smsA = ok(await t.call('GET', `/api/admin/sms-outbox?to=${phoneA}`, { token: admin })).messages;
    assert.ok(smsA.some((m: { text: string }) => m.text.includes('线上调解') && m.text.includes('10:30')), 'party A told the time');

    // The parties see the booking; the stranger mediator sees nothing of it.
    const seenByB = ok(await t.call('GET', `/api/cases/${caseId}/mediations`, { token: tokens.party_b }));
    assert.equal(seenByB.mediations[0].id, id);
    assert.equal(seenByB.mediations[0].you, 'B');
    assert.equal((await t.call('GET', `/api/cases/${caseId}/mediations`, { token: stranger })).statusCode, 404);
    assert.equal((await t.call('POST', `/api/mediations/${id}/open`, { token: stranger, body: {} })).statusCode, 404);

    // Before its time: not yet. Then at 10:20 (15 minutes early at most) the mediator opens it.
    const early = await t.call('POST', `/api/mediations/${id}/open`, { token: tokens.mediator, body: {} });
    assert.equal(early.json().error.code, 'KC_MEDIATION_NOT_YET');
    assert.equal((await t.call('POST', `/api/mediations/${id}/outcome`, { token: tokens.mediator, body: { agreed: false, reason: '未开始' } })).json().error.code, 'KC_MEDIATION_STATUS');
    t.clock.set('2026-06-01T10:20:00+08:00');
    const opened = ok(await t.call('POST', `/api/mediations/${id}/open`, { token: tokens.mediator, body: {} }));
    assert.equal(opened.status, 'open');
    assert.equal((await t.call('POST', `/api/mediations/${id}/open`, { token: tokens.mediator, body: {} })).json().error.code, 'KC_MEDIATION_STATUS', 'opened once');

    // The room admits the mediator as mediator; the stranger not.
    const principal = (token: string) => loadSession(t.db, token, t.clock.now());
    const entry = await mediaEntry(t.core.ctx, await principal(tokens.mediator), caseId);
    assert.ok(entry.admitted && entry.participant.role === 'mediator' && entry.inCall, JSON.stringify(entry));
    const refused = await mediaEntry(t.core.ctx, await principal(stranger), caseId);
    assert.equal(refused.admitted, false);

    // Signing before an agreement is refused; the mediator records it: B pays A ¥3,200.
    assert.equal((await t.call('POST', `/api/mediations/${id}/sign/code`, { token: tokens.party_a })).json().error.code, 'KC_MEDIATION_STATUS');
    const parties = [{ role: 'A', name: '张伟', plate: '苏J12345', liability: 'none' }, { role: 'B', name: '李娜', plate: '苏JD5678', liability: 'full' }];
    const same = await t.call('POST', `/api/mediations/${id}/outcome`, { token: tokens.mediator, body: { agreed: true, parties, payer: 'B', payee: 'A', amountFen: 320_000, terms: '乙方于三日内通过保险理赔支付。' } });
    assert.equal(same.statusCode, 200, same.body);
    assert.equal(same.json().status, 'agreed');
    t.clock.set('2026-06-01T10:27:00+08:00');

    // Party A signs; signing twice is refused; a stranger party cannot sign.
    const a = await sign(tokens.party_a, phoneA, id);
    assert.equal(a.statusCode, 200, a.body);
    assert.ok(a.json().signatures.A);
    assert.equal(a.json().document, null);
    const twice = await t.call('POST', `/api/mediations/${id}/sign/code`, { token: tokens.party_a });
    assert.equal(twice.json().error.code, 'KC_ALREADY_SIGNED');
    const outsider = await t.party('yancheng', '13900009876');
    assert.equal((await t.call('POST', `/api/mediations/${id}/sign/code`, { token: outsider })).statusCode, 404);

    // Party B signs: the 调解协议书 is issued, its PDF stored and served, verified on /verify.
    const b = await sign(tokens.party_b, phoneB, id);
    assert.equal(b.statusCode, 200, b.body);
    const done = b.json();
    assert.equal(done.status, 'signed');
    assert.match(done.document.number, /^YCG-TJ-2026-\d{6}$/);
    const pdf = await t.call('GET', done.document.documentUrl, { token: tokens.party_b });
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.ok(pdf.rawPayload.subarray(0, 5).toString() === '%PDF-');
    const verify = ok(await t.call('GET', `/api/verify/${done.document.verifyCode}`));
    assert.equal(verify.kind, 'mediation');
    assert.equal(verify.authentic, true);
    assert.equal(verify.intact, true);
    assert.equal(verify.number, done.document.number);
    assert.equal(verify.documentSha256, createHash('sha256').update(pdf.rawPayload).digest('hex'));
    assert.deepEqual(verify.parties.map((p: { liability: string }) => p.liability), ['none', 'full']);
    assert.equal((await t.call('GET', done.document.documentUrl, { token: stranger })).statusCode, 404);
    const smsB = ok(await t.call('GET', `/api/admin/sms-outbox?to=${phoneB}`, { token: admin })).messages;
    assert.ok(smsB.some((m: { text: string }) => m.text.includes(done.document.number)), 'party B served by SMS');
    assert.equal((await sign(tokens.party_b, phoneB, id)).json().error.code, 'KC_ALREADY_SIGNED', 'signing after the issue');

    // The events: booking to agreement 27 minutes (booked 10:00, agreed 10:27), from the start 7.
    const events = await forTenant(t.db, 'yancheng').query<{ type: string; payload: Record<string, unknown> }>(
      "SELECT type, payload FROM case_events WHERE tenant = 'yancheng' AND case_id = $1 AND type LIKE 'mediation.%' ORDER BY seq", [caseId]);
    assert.deepEqual(events.map((e) => e.type), ['mediation.scheduled', 'mediation.opened', 'mediation.recorded', 'mediation.signed', 'mediation.signed', 'mediation.agreed']);
    const agreed = events.at(-1)!.payload;
    assert.equal(agreed.bookingToAgreementSeconds, 27 * 60);
    assert.equal(agreed.openToAgreementSeconds, 7 * 60);
  });

  test('not agreed (reason); a no-show booked again; a city without mediation rooms is refused', async () => {
    t.clock.set('2026-06-02T14:00:00+08:00');
    const { tokens, caseId } = await yanchengRoom(t);
    const first = ok(await t.call('POST', `/api/cases/${caseId}/mediations`, { token: tokens.seat, body: { startsAt: '2026-06-02T14:30', mediatorOrgId: await mediatorOrg(tokens.mediator) } }), 201);
    // Nobody came: booked again (the first is cancelled), by the mediator this time.
    const again = ok(await t.call('POST', `/api/cases/${caseId}/mediations`, { token: tokens.mediator, body: { startsAt: '2026-06-02T16:00' } }), 201);
    const list = ok(await t.call('GET', `/api/cases/${caseId}/mediations`, { token: tokens.seat })).mediations;
    assert.deepEqual(list.map((m: { id: string; status: string }) => [m.id, m.status]).sort(), [[first.mediation.id, 'cancelled'], [again.mediation.id, 'scheduled']].sort());
    t.clock.set('2026-06-02T16:00:00+08:00');
    ok(await t.call('POST', `/api/mediations/${again.mediation.id}/open`, { token: tokens.mediator, body: {} }));
    const no = ok(await t.call('POST', `/api/mediations/${again.mediation.id}/outcome`, { token: tokens.mediator, body: { agreed: false, reason: '双方对维修费用分歧较大' } }));
    assert.equal(no.status, 'not_agreed');
    assert.equal(no.outcome.reason, '双方对维修费用分歧较大');
    assert.equal((await t.call('POST', `/api/mediations/${again.mediation.id}/sign/code`, { token: tokens.party_a })).json().error.code, 'KC_MEDIATION_STATUS');
    const ev = await forTenant(t.db, 'yancheng').query<{ type: string }>("SELECT type FROM case_events WHERE tenant = 'yancheng' AND case_id = $1 AND type = 'mediation.recorded'", [caseId]);
    assert.equal(ev.length, 1);

    // Harbin's profile lists no mediation rooms.
    const h = await reported(t, '13800001401');
    const officer = await t.staff('harbin', 'officer');
    const refused = await t.call('POST', `/api/cases/${h.id}/mediations`, { token: officer, body: { startsAt: '2026-06-02T18:00' } });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().error.code, 'KC_FEATURE_NOT_OFFERED');
    assert.equal(refused.json().error.details.feature, 'mediation_rooms');
  });

  test('reminded once before the time (two processes, two ticks); a no-show marked once, told by SMS, booked again; a party who never joined', async () => {
    t.clock.set('2026-06-03T09:00:00+08:00');
    const { tokens, caseId } = await yanchengRoom(t);
    const db = forTenant(t.db, 'yancheng');
    const { party_phone: phoneA, party_b_phone: phoneB } = await phones(caseId);
    // The mediator's and the insurer's people who took the case have phones (the repair shop's is not invited to the mediation).
    const me = async (token: string) => ok(await t.call('GET', '/api/me', { token })).partner as { id: string; orgId: string };
    const [mediator, insurer, shop] = [await me(tokens.mediator), await me(tokens.insurer), await me(tokens.repair_shop)];
    const [phoneM, phoneI, phoneS] = ['13955550301', '13955550302', '13955550303'];
    for (const [p, phone] of [[mediator, phoneM], [insurer, phoneI], [shop, phoneS]] as const) await db.query('UPDATE partner_people SET phone = $2 WHERE tenant = $1 AND id = $3', ['yancheng', phone, p.id]);
    const sms = async (kind: string, id: string) => (await db.query<{ target: string; text: string }>(
      "SELECT target, payload->>'text' AS text FROM deliveries WHERE tenant = 'yancheng' AND kind = 'sms' AND idempotency_key LIKE $1 ORDER BY target", [`sms:${kind}:${id}:%`]));
    const noShowEvents = async () => db.query<{ payload: Record<string, unknown> }>("SELECT payload FROM case_events WHERE tenant = 'yancheng' AND case_id = $1 AND type = 'mediation.no_show' ORDER BY seq", [caseId]);

    const first = ok(await t.call('POST', `/api/cases/${caseId}/mediations`, { token: tokens.mediator, body: { startsAt: '2026-06-03T10:00', insurerOrgIds: [insurer.orgId] } }), 201).mediation.id as string;
    // 09:29: not yet 30 minutes before.
    t.clock.set('2026-06-03T09:29:00+08:00');
    await t.core.tick();
    assert.equal((await sms('mediation-reminder', first)).length, 0);
    // 09:30: due. Two processes' rounds at once: one claims it; a later tick queues nothing more.
    t.clock.set('2026-06-03T09:30:00+08:00');
    const rounds = await Promise.all([mediationTick(t.core.ctx, 'yancheng'), mediationTick(t.core.ctx, 'yancheng')]);
    assert.equal(rounds[0].reminded + rounds[1].reminded, 1);
    await t.core.tick();
    const reminders = await sms('mediation-reminder', first);
    assert.deepEqual(reminders.map((r) => r.target), [phoneA, phoneB, phoneM, phoneI].sort(), 'A, B, the mediator and the insurer: each once');
    assert.ok(reminders.every((r) => r.text.includes('6月3日10:00')), JSON.stringify(reminders));
    assert.ok(ok(await t.call('GET', '/api/partner/mediations', { token: tokens.mediator })).mediations.find((m: { id: string }) => m.id === first).remindedAt);

    // Nobody opened it: 10:14 is within the grace; at 10:15 it is a no-show, once.
    t.clock.set('2026-06-03T10:14:59+08:00');
    await t.core.tick();
    assert.equal((await noShowEvents()).length, 0);
    t.clock.set('2026-06-03T10:15:00+08:00');
    await t.core.tick();
    await t.core.tick();
    assert.deepEqual((await noShowEvents()).map((e) => e.payload), [{ mediationId: first, startsAt: '2026-06-03T02:00:00.000Z', reason: 'not_opened', absent: ['mediator'] }]);
    const told = await sms('mediation-no-show', first);
    assert.deepEqual(told.map((r) => r.target), [phoneA, phoneB, phoneM].sort(), 'the parties and the mediator');
    assert.ok(told.every((r) => r.text.includes('调解室未开启')));
    const desk = ok(await t.call('GET', '/api/partner/mediations', { token: tokens.mediator })).mediations.find((m: { id: string }) => m.id === first);
    assert.equal(desk.status, 'no_show');
    assert.deepEqual(desk.noShow.absent, ['mediator']);
    assert.equal((await t.call('POST', `/api/mediations/${first}/open`, { token: tokens.mediator, body: {} })).json().error.code, 'KC_MEDIATION_STATUS');

    // Booked again (11:00, inside the lead: no reminder); its booking replaces the no-show.
    const second = ok(await t.call('POST', `/api/cases/${caseId}/mediations`, { token: tokens.mediator, body: { startsAt: '2026-06-03T11:00' } }), 201).mediation.id as string;
    const [rebooked] = await db.query<{ payload: Record<string, unknown> }>("SELECT payload FROM case_events WHERE tenant = 'yancheng' AND case_id = $1 AND type = 'mediation.scheduled' AND payload->>'mediationId' = $2", [caseId, second]);
    assert.equal(rebooked!.payload.replaces, first);
    // Opened at 10:50; party A joins the room, party B never does: at 11:15 a no-show (B absent).
    t.clock.set('2026-06-03T10:50:00+08:00');
    ok(await t.call('POST', `/api/mediations/${second}/open`, { token: tokens.mediator, body: {} }));
    const reports = roomReports(t.core.ctx, { info() {}, warn() {} });
    await reports.participantReturned({ room: { tenant: 'yancheng', caseId }, participant: { role: 'party_a', identity: `party:${phoneA}`, displayName: '当事人' } });
    t.clock.set('2026-06-03T11:15:00+08:00');
    await t.core.tick();
    assert.equal((await sms('mediation-reminder', second)).length, 0, 'booked inside the lead: its booking SMS told the time');
    assert.deepEqual((await noShowEvents()).at(-1)!.payload, { mediationId: second, startsAt: '2026-06-03T03:00:00.000Z', reason: 'party_absent', absent: ['B'] });
    assert.ok((await sms('mediation-no-show', second)).every((r) => r.text.includes('乙方当事人未到场')));

    // Booked again; both join after the opening: not a no-show, the outcome is recorded long after the grace.
    const third = ok(await t.call('POST', `/api/cases/${caseId}/mediations`, { token: tokens.mediator, body: { startsAt: '2026-06-03T12:00' } }), 201).mediation.id as string;
    t.clock.set('2026-06-03T12:00:00+08:00');
    ok(await t.call('POST', `/api/mediations/${third}/open`, { token: tokens.mediator, body: {} }));
    for (const [role, phone] of [['party_a', phoneA], ['party_b', phoneB]] as const) {
      await reports.participantReturned({ room: { tenant: 'yancheng', caseId }, participant: { role, identity: `party:${phone}`, displayName: '当事人' } });
    }
    t.clock.set('2026-06-03T12:40:00+08:00');
    await t.core.tick();
    assert.equal((await noShowEvents()).length, 2);
    assert.equal(ok(await t.call('POST', `/api/mediations/${third}/outcome`, { token: tokens.mediator, body: { agreed: false, reason: '双方未能就金额达成一致' } })).status, 'not_agreed');
  });

  async function mediatorOrg(token: string): Promise<string> {
    return ok(await t.call('GET', '/api/me', { token })).partner.orgId;
  }
});
