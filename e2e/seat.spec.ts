/**
 * The seat console (接警台) end to end: Harbin at 10:00, a report in 道里区 rings seat-daoli,
 * the seat answers, sees the party's real video (a second browser joins the media room with the
 * media plugin's own call page and Chromium's fake camera), captures the checklist's photos and
 * clips from it, runs the registry checks, records the details and the statement, and — only
 * once the checklist is complete — tells the parties to leave. Also: a dropped call returns the
 * seat to the queue and rings back at the same seat on 继续处理, then is escalated to on-site
 * police; a lapsed session goes back to sign-in. The party's side is driven through the API.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { Seat } from './pages/Seat.ts';
import { partySignIn, partyPhone, joinCall, type Party } from './support/partyPhone.ts';
import { at, typed } from './support/day.ts';

const TENANT = 'harbin';
const DAOLI = { lng: 126.617, lat: 45.773 };
const CHONGCHUAN = { lng: 120.857, lat: 32.01 };
const HARBIN_10AM = at('10:00');

async function report(api: Api, party: Party, plates: string[], where = { ...DAOLI, address: '道里区中央大街与西十二道街交口' }): Promise<{ id: string; number: string }> {
  const { address, ...point } = where;
  const c = await api.call<{ id: string; number: string; state: string }>('POST', '/api/cases', {
    clientKey: `seat-e2e-${party.phone}-${Date.now()}`,
    report: {
      location: { ...point, source: 'gps', accuracyMeters: 8 }, kind: 'motor_motor', address,
      occurredAt: at('09:55'), parties: plates.length, vehicles: plates.map((plate) => ({ plate, class: 'small_car' })),
    },
  }, party.token);
  expect(c.state).toBe('queued');
  return c;
}

type CallWindow = { call: { drop(): void } };
const dropCall = (page: Page) => page.evaluate(() => (window as unknown as CallWindow).call.drop());

test.describe('seat console (接警台)', () => {
  test.beforeEach(async ({ api }) => {
    await api.setClock(HARBIN_10AM);
  });

  test('Harbin 10:00, 道里区: ring → answer → party video → photos, clips, checks, details, statement → checklist complete → leave the scene', async ({ actor, api, server, shot }) => {
    const { page } = await actor('console');
    const seat = new Seat(page, TENANT);
    await seat.signIn('seat-daoli');
    await seat.setAway();

    // A report while the seat is away waits in the queue; the wait counts up.
    const party = await partySignIn(api, TENANT, '13900000101');
    const c = await report(api, party, ['黑AD56789', '黑A12345']);
    await seat.expectQueued(c.number);
    await shot(page, 'seat-queue');

    // Going available rings this seat at once; 接听 takes the focus.
    await seat.setAvailable();
    await seat.waitForRinging(c.number);
    await seat.expectAcceptFocused();
    // Where: the district the GPS point fell in and the road the party confirmed, never a bare "—".
    await expect(page.getByTestId('ring-place')).toHaveText('道里区中央大街与西十二道街交口');
    await shot(page, 'seat-ringing');
    const id = await seat.acceptRinging({ caseNumber: c.number, keyboard: true });
    expect(id).toBe(c.id);

    // The party joins the media room from its phone; the seat sees the video play, with stats.
    const phone = await actor('phone');
    const partyPage = await partyPhone(phone.context, phone.page, server.url, party);
    expect((await joinCall(partyPage, id)).role).toBe('party_a');
    await seat.waitForPartyVideo();
    await seat.expectStats();
    await seat.expectLeaveBlocked();

    // Evidence from the video: two photos per photo line, two clips of the vehicles' angles.
    for (const item of ['parties_photo', 'collision_closeups', 'plate_closeups']) {
      await seat.capturePhoto(item);
      await seat.capturePhoto(item, { keyboard: true });
    }
    await seat.recordClip('vehicle_angles');
    await seat.recordClip('vehicle_angles');

    // Automatic checks, one party at a time: 李娜's licence, her car's registration and 交强险 (in force on the suite's day).
    await seat.runChecks({ driverName: '李娜', idNumber: '230103199007214422', plate: '黑AD56789' });
    await seat.expectChecks({ driver_licence: true, vehicle_registration: true, compulsory_insurance: true });
    // One driver and car of two: each check line reads 1/2 and the parties cannot leave yet.
    for (const item of ['driver_check', 'vehicle_check', 'insurance_check']) await seat.expectLineCount(item, '1/2');
    await expect(page.getByTestId('checks-progress')).toContainText('1/2');
    await seat.expectLeaveBlocked();
    await expect(page.getByTestId('leave-missing')).toContainText('驾驶人核验 1/2');
    await shot(page, 'seat-checks-one-of-two');
    // The other car's policy ended on 2026-08-31, before any day of the suite: a failed check of a
    // checked car — the line reads 2/2 and carries the finding, for the seat to weigh (it may send
    // on-site police; here the parties agree and the seat notes it for the officer).
    await seat.runChecks({ driverName: '张伟', idNumber: '230102198503127810', plate: '黑A12345' });
    await seat.expectChecks({ compulsory_insurance: false });
    for (const item of ['driver_check', 'vehicle_check', 'insurance_check']) await seat.expectLineCount(item, '2/2');
    await expect(seat.line('insurance_check').getByTestId('checklist-finding')).toBeVisible();
    await expect(page.getByTestId('leave-findings')).toContainText('黑A12345');

    await seat.fillInfo({ party_names: '李娜、张伟', accident_type: '追尾' });
    await seat.fillInfo({ plates: '黑AD56789、黑A12345', time: typed('09:55'), place: '道里区中央大街与西十二道街交口' });
    await shot(page, 'seat-call-checklist');
    // Each party's own account: the statement line counts one per party.
    await seat.fillStatement('我在路口等红灯，被后车追尾。', '李娜');
    await seat.expectLineCount('statement', '1/2');
    await expect(page.getByTestId('checklist')).toHaveAttribute('data-complete', 'false');
    await seat.fillStatement('我起步时没注意前车，追尾了。', '张伟');
    await seat.addNote('双方对事实无争议，车辆均可移动。张伟车辆交强险已过期，请民警注意。');

    await seat.expectChecklistComplete();
    await shot(page, 'seat-checklist-complete');
    await seat.leaveScene();
    await shot(page, 'seat-after-leave');
    await seat.setAway();

    // Checked with the seat's own session (staff sign-in is rate limited: no extra logins).
    const view = (await (await page.request.get(`/api/cases/${id}`)).json()) as { state: string; chain: { ok: boolean }; evidence: Array<{ item: string; kind: string; file: { contentType: string } | null }> };
    expect(view.state).toBe('evacuated');
    expect(view.chain.ok).toBe(true);
    expect(view.evidence.filter((e) => e.item === 'collision_closeups').map((e) => e.file?.contentType)).toEqual(['image/jpeg', 'image/jpeg']);
    expect(view.evidence.filter((e) => e.item === 'vehicle_angles').map((e) => e.file?.contentType)).toEqual(['video/webm', 'video/webm']);
    expect(view.evidence.some((e) => e.item === 'note')).toBe(true);

    // After the call: the notice links to the case's page, where the seat adds an after-call note.
    await seat.addAfterCallNote('回访：李娜已向保险公司报案。');
    await expect(page.getByTestId('staff-case-state')).toHaveText('已撤离现场，待定责');
    await shot(page, 'seat-after-call-note');
  });

  test('a dropped call returns the seat to the queue, rings back at the same seat on 继续处理, and is escalated to on-site police', async ({ actor, api, server, shot }) => {
    const { page } = await actor('console');
    const seat = new Seat(page, TENANT);
    await seat.signIn('seat-daoli');
    await seat.setAvailable();

    const party = await partySignIn(api, TENANT, '13900000102');
    const c = await report(api, party, ['黑AD56789', '黑A12345']);
    const id = await seat.acceptRinging({ caseNumber: c.number });
    const phone = await actor('phone');
    const partyPage = await partyPhone(phone.context, phone.page, server.url, party);
    await joinCall(partyPage, id);
    await seat.waitForPartyVideo();
    // Something typed before the drop is still there after the resume.
    await seat.openTab('statement');
    await page.getByTestId('notes').fill('通话中断前的备注');

    await dropCall(partyPage);
    await seat.expectCallDropped(c.number);
    await shot(page, 'seat-call-dropped');

    await api.call('POST', `/api/cases/${id}/resume`, {}, party.token);
    await seat.waitForRinging(c.number);
    await expect(page.getByTestId('ring-resumed')).toBeVisible();
    await seat.acceptRinging({ caseNumber: c.number });
    await joinCall(partyPage, id);
    await seat.waitForPartyVideo();
    await seat.openTab('statement');
    await expect(page.getByTestId('notes')).toHaveValue('通话中断前的备注');
    // The same console in English (one table of strings; the city's own labels stay as the profile gives them).
    await page.getByRole('button', { name: '切换语言' }).click();
    await expect(page.locator('#tab-statement')).toContainText('Statement');
    await shot(page, 'seat-call-en');

    await seat.escalate('一方当事人称颈部疼痛，需民警到场处理');
    await seat.setAway();
    const view = (await (await page.request.get(`/api/cases/${id}`)).json()) as { state: string; evidence: Array<{ item: string; data: { text?: string } }> };
    expect(view.state).toBe('escalated_onsite');
    expect(view.evidence.find((e) => e.item === 'note')?.data.text).toBe('通话中断前的备注');
  });

  test('Nantong: the page object completes whatever the checklist lacks, then the parties leave', async ({ actor, api, server, shot }) => {
    const { page } = await actor('console');
    const seat = new Seat(page, 'nantong');
    await seat.signIn('seat-centre');
    await seat.setAvailable();
    const party = await partySignIn(api, 'nantong', '13900000103');
    const c = await report(api, party, ['苏FD23456', '苏F3M9K1'], { ...CHONGCHUAN, address: '崇川区人民中路与工农路交口' });
    const id = await seat.acceptRinging({ caseNumber: c.number });
    const phone = await actor('phone');
    await joinCall(await partyPhone(phone.context, phone.page, server.url, party), id);
    await seat.waitForPartyVideo();
    await seat.completeEvidence();
    await seat.expectChecklistComplete();
    await shot(page, 'seat-nantong-complete');
    await seat.leaveScene();
    await seat.setAway();
  });

  test('a lapsed session sends the seat back to sign-in', async ({ actor }) => {
    const { page, context } = await actor('console');
    const seat = new Seat(page, TENANT);
    await seat.signIn('seat-daoli');
    await seat.setAway();
    await context.clearCookies();
    await page.keyboard.press('s'); // go available: the API answers 401
    await page.waitForURL(/\/console\/login\?.*next=/);
    await expect(page.locator('input[name="username"]')).toBeVisible();
  });
});
