/**
 * The duty supervisor (班长, issue 17): the wallboard (HTTP and live over /api/live), sending a
 * waiting case to a seat, and who the media room admits as a receive-only listener. PGlite, the
 * real app, a set clock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { until } from '@kuaichu/testkit/until';
import { PLACES } from './helpers.ts';
import { forTenant } from '../src/db/tenantDb.ts';
import { admit } from '../src/media/admission.ts';
import { ROLE_RULES } from '../src/ports/media.ts';
import type { CaseRow } from '../src/cases/repository.ts';
import type { Principal } from '../src/auth/sessions.ts';

const DAOLI = { lng: PLACES.harbin.道里区[0], lat: PLACES.harbin.道里区[1] };
const NANGANG = { lng: PLACES.harbin.南岗区[0], lat: PLACES.harbin.南岗区[1] };

describe('duty supervisor: wallboard, reassigning, listening in', () => {
  let t: TestCore;
  let sup: string;
  let n = 0;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00');
    sup = await t.staff('harbin', 'supervisor');
  });
  after(() => t?.close());

  const report = async (phone: string, location: { lng: number; lat: number } = DAOLI) => {
    const party = await t.party('harbin', phone);
    const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: `sup-${++n}-abcdef`, report: { location, kind: 'motor_motor' } } });
    assert.equal(r.statusCode, 201, r.body);
    return { id: r.json().id as string, number: r.json().number as string, party };
  };
  const board = async (token = sup) => {
    const r = await t.call('GET', '/api/supervisor/wallboard', { token });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const status = async (username: string, s: 'available' | 'away') =>
    assert.equal((await t.call('POST', '/api/seat/status', { token: await t.staff('harbin', username), body: { status: s } })).statusCode, 200);
  const seatId = async (username: string) => (await t.call('GET', '/api/me', { token: await t.staff('harbin', username) })).json().staff.id as string;

  test('queue depth and oldest wait per brigade, seats with their status and call time, today\'s figures', async () => {
    const empty = await board();
    assert.deepEqual([empty.timezone, empty.today.date, empty.today.answered, empty.today.withinTargetShare, empty.today.abandonmentShare], ['Asia/Shanghai', '2026-06-01', 0, null, null]);
    assert.ok(empty.brigades.some((b: { id: string; waiting: number }) => b.id === 'daoli' && b.waiting === 0));
    assert.ok(empty.seats.some((s: { username: string; status: string; onShift: boolean }) => s.username === 'seat-daoli' && s.status === 'away' && s.onShift));

    // Two Daoli cases wait (no seat in): 45 s and 15 s.
    const first = await report('13800000701');
    t.clock.advance(30_000);
    const second = await report('13800000702');
    t.clock.advance(15_000);
    const b = await board();
    const daoli = b.brigades.find((x: { id: string }) => x.id === 'daoli');
    assert.deepEqual([daoli.waiting, daoli.oldestWaitSeconds], [2, 45]);
    assert.deepEqual(b.waiting.map((c: { caseId: string; waitSeconds: number }) => [c.caseId, c.waitSeconds]), [[first.id, 45], [second.id, 15]]);

    // The first is answered after 45 s (over the 30 s target); a Nangang case at once (within); the second is abandoned.
    await status('seat-daoli', 'available');
    await t.core.tick();
    assert.equal((await t.call('POST', `/api/cases/${first.id}/answer`, { token: await t.staff('harbin', 'seat-daoli') })).statusCode, 200);
    await status('seat-nangang', 'available');
    const third = await report('13800000703', NANGANG);
    await t.core.tick();
    assert.equal((await t.call('POST', `/api/cases/${third.id}/answer`, { token: await t.staff('harbin', 'seat-nangang') })).statusCode, 200);
    assert.equal((await t.call('POST', `/api/cases/${second.id}/abandon`, { token: second.party })).statusCode, 200);
    t.clock.advance(71_000);
    const after1 = await board();
    assert.deepEqual(after1.today, { date: '2026-06-01', answered: 2, answeredWithinTarget: 1, withinTargetShare: 0.5, abandoned: 1, abandonmentShare: 0.333 });
    assert.deepEqual(after1.brigades.find((x: { id: string }) => x.id === 'daoli').waiting, 0);
    const daoliSeat = after1.seats.find((s: { username: string }) => s.username === 'seat-daoli');
    assert.deepEqual([daoliSeat.status, daoliSeat.caseId, daoliSeat.caseNumber, daoliSeat.callSeconds], ['busy', first.id, first.number, 71]);
    for (const [u, id] of [['seat-daoli', first.id], ['seat-nangang', third.id]] as const) {
      assert.equal((await t.call('POST', `/api/cases/${id}/escalate`, { token: await t.staff('harbin', u), body: { reason: '测试结束' } })).statusCode, 200);
    }
  });

  test('a waiting case sent to a seat rings there at once; refusals', async () => {
    await status('seat-daoli', 'away');
    await status('seat-nangang', 'away');
    const c = await report('13800000704', NANGANG);
    const daoli = await seatId('seat-daoli');
    const send = (token: string | undefined, id = c.id, body: object = { seatId: daoli }) =>
      t.call('POST', `/api/supervisor/cases/${id}/reassign`, { ...(token ? { token } : {}), body });

    const away = await send(sup);
    assert.deepEqual([away.statusCode, away.json().error.code], [409, 'KC_SEAT_NOT_AVAILABLE']);
    assert.equal((await send(await t.staff('harbin', 'officer'))).json().error.code, 'KC_FORBIDDEN');
    assert.equal((await send(await t.staff('harbin', 'seat-daoli'))).statusCode, 403);
    assert.equal((await send(undefined)).statusCode, 401);
    assert.equal((await send(await t.staff('kunming', 'supervisor'))).json().error.code, 'KC_CASE_NOT_FOUND', "another city's case is not found");
    assert.equal((await send(sup, c.id, { seatId: 'not-a-uuid' })).json().error.code, 'KC_VALIDATION');
    assert.equal((await send(sup, '00000000-0000-4000-8000-000000000000')).json().error.code, 'KC_CASE_NOT_FOUND');
    const kunmingSeat = (await t.call('GET', '/api/me', { token: await t.staff('kunming', 'seat-wuhua') })).json().staff.id;
    assert.equal((await send(sup, c.id, { seatId: kunmingSeat })).json().error.code, 'KC_SEAT_NOT_AVAILABLE', "another city's seat is no seat here");

    await status('seat-daoli', 'available'); // Daoli seat in; the Nangang case has not overflowed: the ACD leaves it
    await t.core.tick();
    assert.equal((await t.call('GET', `/api/cases/${c.id}`, { token: sup })).json().state, 'queued');
    const ok = await send(sup);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().state, 'ringing');
    const queue = (await t.call('GET', '/api/seat/queue', { token: await t.staff('harbin', 'seat-daoli') })).json();
    assert.equal(queue.seat.caseId, c.id);
    assert.equal((await send(sup)).json().error.code, 'KC_TRANSITION_NOT_ALLOWED', 'ringing already');

    const [audit] = await forTenant(t.db, 'harbin').query<{ actor: string; subject: string; details: { after: { seatId: string } } }>(
      "SELECT actor, subject, details FROM audit_log WHERE tenant = $1 AND action = 'case.reassigned'", ['harbin']);
    assert.deepEqual([audit!.actor, audit!.subject, audit!.details.after.seatId], [await seatId('supervisor'), c.number, daoli]);
    assert.equal((await t.call('POST', `/api/cases/${c.id}/abandon`, { token: c.party })).statusCode, 200);
  });

  test('the wallboard is pushed live to supervisors and the city\'s admin (a seat signing in, a case arriving), to nobody else', async () => {
    const heard: Array<{ kind: string; wallboard?: { seats: Array<{ username: string; status: string }>; waiting: Array<{ caseId: string }> } }> = [];
    const adminHeard: typeof heard = [];
    const officerHeard: string[] = [];
    const ws = await t.core.app.injectWS('/api/live', { headers: { authorization: `Bearer ${sup}` } }, { onInit: (w) => void w.on('message', (d: Buffer) => heard.push(JSON.parse(d.toString()))) });
    // The admin may open the wallboard page too (GET /api/supervisor/wallboard): it must not stand still there.
    const aws = await t.core.app.injectWS('/api/live', { headers: { authorization: `Bearer ${await t.staff('harbin', 'admin')}` } }, { onInit: (w) => void w.on('message', (d: Buffer) => adminHeard.push(JSON.parse(d.toString()))) });
    const ows = await t.core.app.injectWS('/api/live', { headers: { authorization: `Bearer ${await t.staff('harbin', 'officer')}` } }, { onInit: (w) => void w.on('message', (d: Buffer) => officerHeard.push(d.toString())) });
    try {
      await until(() => heard.some((m) => m.kind === 'wallboard'), 'the board on connecting');
      await status('seat-nangang', 'available');
      await until(() => heard.some((m) => m.wallboard?.seats.some((s) => s.username === 'seat-nangang' && s.status === 'available')), 'a seat signing in');
      await status('seat-nangang', 'away');
      await status('seat-daoli', 'away');
      const c = await report('13800000705');
      await until(() => heard.some((m) => m.wallboard?.waiting.some((w) => w.caseId === c.id)), 'a case arriving');
      await until(() => adminHeard.some((m) => m.wallboard?.waiting.some((w) => w.caseId === c.id)), 'a case arriving, on the admin\'s board');
      await until(() => officerHeard.some((m) => m.includes(c.id)), 'the officer hears the case event');
      assert.ok(!officerHeard.some((m) => m.includes('"wallboard"')), 'no wallboard to an officer');
      assert.equal((await t.call('POST', `/api/cases/${c.id}/abandon`, { token: c.party })).statusCode, 200);
    } finally {
      ws.terminate();
      aws.terminate();
      ows.terminate();
    }
  });

  test('who may read the wallboard: supervisor and admin of the city; others refused; each sees only its city', async () => {
    await board(await t.staff('harbin', 'admin'));
    for (const u of ['officer', 'analyst', 'seat-daoli']) assert.equal((await t.call('GET', '/api/supervisor/wallboard', { token: await t.staff('harbin', u) })).statusCode, 403, u);
    assert.equal((await t.call('GET', '/api/supervisor/wallboard')).statusCode, 401);
    const kunming = await board(await t.staff('kunming', 'supervisor'));
    assert.ok(kunming.seats.every((s: { username: string }) => !s.username.startsWith('seat-daoli')));
    assert.ok(kunming.waiting.length === 0 && kunming.today.answered === 0, 'none of Harbin\'s cases or answers');
  });

  test('listening in: admit() lets a supervisor of the city into a live call as a receive-only participant', () => {
    const c = { tenant: 'harbin', state: 'in_call', seat_id: 'a', ring_seat: null, preferred_seat: null, party_phone: '13800000799' } as unknown as CaseRow;
    const p = (tenant: string, roles: string[]): Principal => ({ tenant, csrf: '', expiresAt: new Date(), staff: { id: 'sup-1', username: 'supervisor', displayName: '值班班长', roles: roles as never, brigadeId: null } });
    assert.deepEqual(admit(p('harbin', ['supervisor']), c), { role: 'supervisor', identity: 'staff:sup-1', displayName: '值班班长' });
    assert.equal(admit(p('kunming', ['supervisor']), c), null, 'another city');
    assert.equal(admit(p('harbin', ['supervisor']), { ...c, state: 'queued' }), null, 'no call to listen to');
    assert.equal(admit(p('harbin', ['admin']), c), null);
    assert.deepEqual(ROLE_RULES.supervisor, { produces: [], party: false, drivesCase: false }, 'sends nothing, and leaving never drops the call');
  });

  // Last: it moves 道里区 to a new brigade, which the tests above do not expect.
  test('queue depth is counted per brigade in force: a brigade the admin created takes its district\'s waiting cases', async () => {
    const admin = await t.staff('harbin', 'admin');
    assert.equal((await t.call('POST', '/api/admin/brigades', { token: admin, body: { id: 'daoli-center', name: { zh: '道里中心大队' }, districts: ['道里区'] } })).statusCode, 200);
    await status('seat-daoli', 'away');
    const c = await report('13800000706');
    const b = await board();
    assert.deepEqual(b.waiting.find((w: { caseId: string }) => w.caseId === c.id)?.brigadeId, 'daoli-center');
    const row = b.brigades.find((x: { id: string | null }) => x.id === 'daoli-center');
    assert.deepEqual([row?.name.zh, row?.waiting], ['道里中心大队', 1]);
    assert.ok(!b.brigades.some((x: { id: string | null }) => x.id === null), 'nothing counted as unrouted');
    assert.equal((await t.call('POST', `/api/cases/${c.id}/abandon`, { token: c.party })).statusCode, 200);
  });
});
