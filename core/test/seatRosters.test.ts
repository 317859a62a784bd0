/**
 * Seat rosters (排班) and skills (issue 17): the rules on a set clock, and the queue through the
 * HTTP API — an off-shift seat is not offered a call, a seat coming on shift is; a tenant without
 * a roster keeps the queue as it was; a case needing a skill rings a seat with it before overflow.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { PLACES } from './helpers.ts';
import { isOnShift, nextShiftStart, rosterProblems, type Shift } from '../src/roster/roster.ts';
import { forTenant } from '../src/db/tenantDb.ts';
import { citiesDir } from '../src/paths.ts';

const TZ = 'Asia/Shanghai';
const DAOLI = { lng: PLACES.harbin.道里区[0], lat: PLACES.harbin.道里区[1] };
const NANGANG = { lng: PLACES.harbin.南岗区[0], lat: PLACES.harbin.南岗区[1] };
/** 2026-06-01 is a Monday; times below are Beijing time. */
const at = (local: string) => new Date(`${local}+08:00`);

describe('roster rules (city time, set clock)', () => {
  const week: Shift[] = [{ weekday: 'mon', starts: '08:00', ends: '16:00' }, { weekday: 'sun', starts: '22:00', ends: '06:00' }];
  test('on shift within [starts, ends), off at the end', () => {
    assert.equal(isOnShift(week, at('2026-06-01T08:00:00'), TZ), true);
    assert.equal(isOnShift(week, at('2026-06-01T15:59:00'), TZ), true);
    assert.equal(isOnShift(week, at('2026-06-01T16:00:00'), TZ), false);
    assert.equal(isOnShift(week, at('2026-06-02T10:00:00'), TZ), false, 'Tuesday has no shift');
  });
  test("an overnight shift runs into the next day, Sunday's into Monday", () => {
    assert.equal(isOnShift(week, at('2026-06-07T23:00:00'), TZ), true, 'Sunday 23:00');
    assert.equal(isOnShift(week, at('2026-06-01T05:59:00'), TZ), true, 'Monday 05:59, from Sunday night');
    assert.equal(isOnShift(week, at('2026-06-01T06:00:00'), TZ), false);
  });
  test('the instant is read in the city zone, not the server zone', () => {
    // 00:30 UTC Monday is 08:30 in Harbin.
    assert.equal(isOnShift(week, new Date('2026-06-01T00:30:00Z'), TZ), true);
    assert.equal(isOnShift(week, new Date('2026-06-01T00:30:00Z'), 'UTC'), true, 'Sunday-night shift read in UTC');
    assert.equal(isOnShift([{ weekday: 'mon', starts: '08:00', ends: '16:00' }], new Date('2026-06-01T00:30:00Z'), 'UTC'), false);
  });
  test('next shift start: later today, next week, none', () => {
    assert.equal(nextShiftStart(week, at('2026-06-01T07:15:30'), TZ)?.toISOString(), at('2026-06-01T08:00:00').toISOString());
    assert.equal(nextShiftStart(week, at('2026-06-01T09:00:00'), TZ)?.toISOString(), at('2026-06-07T22:00:00').toISOString());
    assert.equal(nextShiftStart([{ weekday: 'mon', starts: '08:00', ends: '16:00' }], at('2026-06-01T08:00:00'), TZ)?.toISOString(), at('2026-06-08T08:00:00').toISOString(), 'a shift starting now: its next start');
    assert.equal(nextShiftStart([], at('2026-06-01T08:00:00'), TZ), null);
  });
  test('problems: overlaps (also across midnight and the week end), zero length', () => {
    assert.deepEqual(rosterProblems(week), []);
    assert.deepEqual(rosterProblems([{ weekday: 'mon', starts: '00:00', ends: '24:00' }]), []);
    assert.deepEqual(rosterProblems([{ weekday: 'mon', starts: '08:00', ends: '16:00' }, { weekday: 'mon', starts: '15:00', ends: '18:00' }]), ['shift 2 overlaps shift 1']);
    assert.deepEqual(rosterProblems([{ weekday: 'sun', starts: '22:00', ends: '06:00' }, { weekday: 'mon', starts: '05:00', ends: '07:00' }]), ['shift 2 overlaps shift 1']);
    assert.match(rosterProblems([{ weekday: 'tue', starts: '09:00', ends: '09:00' }])[0]!, /starts and ends at 09:00/);
  });
});

describe('the queue with rosters and skills (HTTP, PGlite)', () => {
  let t: TestCore;
  let admin: string;
  let n = 0;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00');
    admin = await t.staff('harbin', 'admin');
  });
  after(() => t?.close());

  const report = async (phone: string, location: { lng: number; lat: number }, extra: Record<string, unknown> = {}) => {
    const r = await t.call('POST', '/api/cases', { token: await t.party('harbin', phone), body: { clientKey: `roster-${++n}-abcdef`, report: { location, kind: 'motor_motor', ...extra } } });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const state = async (id: string) => (await t.call('GET', `/api/cases/${id}`, { token: await t.staff('harbin', 'officer') })).json();
  const ready = async (username: string, status: 'available' | 'away' = 'available') => {
    const r = await t.call('POST', '/api/seat/status', { token: await t.staff('harbin', username), body: { status } });
    assert.equal(r.statusCode, 200, r.body);
  };
  const setRoster = (username: string, body: object, token = admin) => t.call('PUT', `/api/admin/seats/${username}/roster`, { token, body });
  const abandon = async (id: string, phone: string) => assert.equal((await t.call('POST', `/api/cases/${id}/abandon`, { token: await t.party('harbin', phone) })).statusCode, 200);

  test('without a roster every signed-in seat is offered calls (as before rosters)', async () => {
    const rosters = (await t.call('GET', '/api/admin/rosters', { token: admin })).json();
    assert.equal(rosters.hasRoster, false);
    assert.equal(rosters.timezone, 'Asia/Shanghai');
    assert.ok(rosters.seats.every((s: { onShift: boolean }) => s.onShift));
    assert.equal((await t.call('GET', '/api/seat/queue', { token: await t.staff('harbin', 'seat-daoli') })).json().roster, null, 'no roster on the queue screen');
    await ready('seat-daoli');
    const id = await report('13800000601', DAOLI);
    await t.core.tick();
    const c = await state(id);
    assert.equal(c.state, 'ringing');
    await abandon(id, '13800000601');
  });

  test('with a roster: off shift not offered, on shift offered; the screen shows who is due; audited', async () => {
    // seat-daoli works Monday 10:30–18:00; it is 10:00 (rung seat freed by the abandon above).
    const put = await setRoster('seat-daoli', { shifts: [{ weekday: 'mon', starts: '10:30', ends: '18:00' }] });
    assert.equal(put.statusCode, 200, put.body);
    const mine = put.json().seats.find((s: { username: string }) => s.username === 'seat-daoli');
    assert.deepEqual([put.json().hasRoster, mine.onShift, mine.nextShiftStart], [true, false, at('2026-06-01T10:30:00').toISOString()]);
    assert.equal(put.json().seats.find((s: { username: string }) => s.username === 'seat-nangang').onShift, false, 'a seat without shifts is off once the city keeps a roster');

    // The queue screens: seat-daoli is off shift and due at 10:30; another seat sees who is due.
    const own = (await t.call('GET', '/api/seat/queue', { token: await t.staff('harbin', 'seat-daoli') })).json().roster;
    assert.deepEqual([own.onShift, own.nextShiftStart], [false, at('2026-06-01T10:30:00').toISOString()]);
    const other = (await t.call('GET', '/api/seat/queue', { token: await t.staff('harbin', 'seat-nangang') })).json().roster;
    assert.deepEqual([other.onShift, other.nextShiftStart, other.due], [false, null, [{ displayName: '道里区交警大队接警员', brigadeId: 'daoli', startsAt: at('2026-06-01T10:30:00').toISOString() }]]);

    const id = await report('13800000602', DAOLI);
    await t.core.tick();
    assert.equal((await state(id)).state, 'queued', 'signed in but off shift: not rung');
    t.clock.advance(61_000);
    await ready('seat-nangang');
    await t.core.tick();
    assert.equal((await state(id)).state, 'queued', 'after overflow, still only seats on shift: nangang has none');

    t.clock.set(at('2026-06-01T10:30:00'));
    await t.core.tick();
    const c = await state(id);
    assert.equal(c.state, 'ringing', 'on shift now');
    assert.equal((await t.call('GET', '/api/seat/queue', { token: await t.staff('harbin', 'seat-daoli') })).json().seat.status, 'ringing');
    await abandon(id, '13800000602');

    const [row] = await forTenant(t.db, 'harbin').query<{ action: string; subject: string; details: { before: { shifts: unknown[] }; after: { shifts: unknown[] } } }>(
      "SELECT action, subject, details FROM audit_log WHERE tenant = $1 AND action = 'seat.roster_changed' ORDER BY id LIMIT 1", ['harbin']);
    assert.deepEqual([row!.subject, row!.details.before.shifts, row!.details.after.shifts], ['seat-daoli', [], [{ weekday: 'mon', starts: '10:30', ends: '18:00' }]]);
  });

  test('refusals: other roles, nobody, overlapping shifts, unknown skill, unknown seat, bad weekday', async () => {
    const good = { shifts: [{ weekday: 'tue', starts: '08:00', ends: '16:00' }] };
    assert.equal((await setRoster('seat-daoli', good, await t.staff('harbin', 'officer'))).statusCode, 403);
    assert.equal((await setRoster('seat-daoli', good, await t.staff('harbin', 'seat-daoli'))).json().error.code, 'KC_FORBIDDEN');
    assert.equal((await t.call('PUT', '/api/admin/seats/seat-daoli/roster', { body: good })).statusCode, 401);
    assert.equal((await t.call('GET', '/api/admin/rosters', { token: await t.staff('harbin', 'analyst') })).statusCode, 403);
    const overlap = await setRoster('seat-daoli', { shifts: [{ weekday: 'tue', starts: '08:00', ends: '16:00' }, { weekday: 'tue', starts: '12:00', ends: '20:00' }] });
    assert.deepEqual([overlap.statusCode, overlap.json().error.code, overlap.json().error.details.problems], [422, 'KC_ROSTER_INVALID', ['shift 2 overlaps shift 1']]);
    const skill = await setRoster('seat-daoli', { ...good, skills: ['klingon'] });
    assert.equal(skill.json().error.code, 'KC_ROSTER_INVALID');
    assert.equal((await setRoster('nobody-here', good)).statusCode, 404);
    assert.equal((await setRoster('seat-daoli', { shifts: [{ weekday: 'monday', starts: '08:00', ends: '16:00' }] })).json().error.code, 'KC_VALIDATION');
    // Kunming's admin cannot see or change a Harbin seat.
    assert.equal((await setRoster('seat-daoli', good, await t.staff('kunming', 'admin'))).statusCode, 404);
    const kunming = (await t.call('GET', '/api/admin/rosters', { token: await t.staff('kunming', 'admin') })).json();
    assert.ok(kunming.seats.every((s: { username: string }) => s.username !== 'seat-daoli'));
    // Nothing refused was kept.
    const daoli = (await t.call('GET', '/api/admin/rosters', { token: admin })).json().seats.find((s: { username: string }) => s.username === 'seat-daoli');
    assert.deepEqual(daoli.shifts, [{ weekday: 'mon', starts: '10:30', ends: '18:00' }]);
  });

  test('skills: a case needing one rings a seat with it before overflow, any seat after', async () => {
    // Harbin declares an English skill (a published profile version); rosters off again (no shifts).
    const source = readFileSync(path.join(citiesDir, 'harbin.yaml'), 'utf8').replace(
      /^queue: \{ (.*) \}$/m, 'queue: { $1, skills: [{ id: english, name: { zh: 英语, en: English }, when: { language: [en] } }] }');
    const pub = await t.call('POST', '/api/admin/profile/versions', { token: admin, body: { fileName: 'harbin.yaml', source, activate: true } });
    assert.equal(pub.statusCode, 200, pub.body);
    for (const u of ['seat-daoli', 'seat-nangang']) assert.equal((await setRoster(u, { shifts: [] })).statusCode, 200);
    assert.equal((await setRoster('seat-nangang', { shifts: [], skills: ['english'] })).json().seats.find((s: { username: string }) => s.username === 'seat-nangang').skills[0], 'english');
    await ready('seat-daoli');
    await ready('seat-nangang', 'away');

    // A Daoli case in English: its brigade's seat lacks the skill, Nangang's seat (away) has it.
    const id = await report('13800000603', DAOLI, { language: 'en' });
    await t.core.tick();
    assert.equal((await state(id)).state, 'queued', 'the unskilled seat of its brigade is not rung before overflow');
    await ready('seat-nangang');
    await t.core.tick();
    const rung = (await t.call('GET', '/api/seat/queue', { token: await t.staff('harbin', 'seat-nangang') })).json();
    assert.equal(rung.seat.caseId, id, 'the skilled seat of another brigade is rung');
    await abandon(id, '13800000603');

    // After overflow, an English case rings whoever is free.
    await ready('seat-nangang', 'away');
    const late = await report('13800000604', NANGANG, { language: 'en' });
    await t.core.tick();
    t.clock.advance(60_000);
    await t.core.tick();
    const daoli = (await t.call('GET', '/api/seat/queue', { token: await t.staff('harbin', 'seat-daoli') })).json();
    assert.equal(daoli.seat.caseId, late, 'after overflow the unskilled seat is rung');
    await abandon(late, '13800000604');

    // A case in Chinese needs no skill: its brigade's seat as always.
    const zh = await report('13800000605', DAOLI, { language: 'zh' });
    await t.core.tick();
    assert.equal((await t.call('GET', '/api/seat/queue', { token: await t.staff('harbin', 'seat-daoli') })).json().seat.caseId, zh);
    await abandon(zh, '13800000605');
  });
});
