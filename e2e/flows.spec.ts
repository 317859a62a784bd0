/**
 * The issue's end-to-end flows, every actor in its own browser on the real server: the party's
 * phone (375×812, fake camera), the seat console and the officer desk (1440×900). The server's
 * clock is set by each test. Each flow saves screenshots of the screens it passes through.
 */
import { issueChannelToken } from '@kuaichu/plugin-channel-wechat';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SeatQueue } from '@kuaichu/core/generated/types.ts';
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { Party } from './pages/Party.ts';
import { Seat } from './pages/Seat.ts';
import { Officer } from './pages/Officer.ts';
import { at } from './support/day.ts';

/** A point in 道里区 (cities/harbin.yaml examples) and one in 崇川区 (cities/nantong.yaml). */
const DAOLI = { latitude: 45.773, longitude: 126.617 };
const CHONGCHUAN = { latitude: 32.01, longitude: 120.857 };
/** The party's own plate first: 黑AD56789's 交强险 is in force on the test date (registry-dev fixtures). */
const HARBIN_PLATES = ['黑AD56789', '黑A12345'];

type Actor = (kind: 'phone' | 'console', opts?: { geolocation?: { latitude: number; longitude: number } }) => Promise<{ context: BrowserContext; page: Page }>;

/** A Harbin seat of 道里区 at its console, ready for calls, and a driver in 道里区 signed in on a phone. */
async function harbinSeatAndParty(actor: Actor, api: Api, phoneNumber: string) {
  const seatScreen = await actor('console');
  const seat = new Seat(seatScreen.page, 'harbin');
  await seat.signIn('seat-daoli');
  await seat.setAvailable();
  const phone = await actor('phone', { geolocation: DAOLI });
  const party = new Party(phone.page, 'harbin');
  await party.open();
  return { seat, seatScreen, party, phone, signIn: () => party.signIn(phoneNumber, () => api.smsCode('harbin', phoneNumber)) };
}

type CaseView = { id: string; number: string; state: string; evidence?: Array<{ item: string; kind: string }>; claims: Array<{ insurerId: string; claimNo: string }>; reviews: Array<{ id: string }> };

test('(1) Harbin 10:00, 道里区: report → seat answers → video → photos → checklist → leave → officer determines → party downloads, asks for review in time, pushes the claim', async ({ actor, api, shot }) => {
  await api.setClock(at('10:00'));
  const { seat, seatScreen, party, phone, signIn } = await harbinSeatAndParty(actor, api, '13912345678');
  await shot(phone.page, 'flow1-party-safety');
  await party.passSafety();
  await signIn();
  await party.fillReport({ kind: 'motor_motor', district: '道里区', plates: HARBIN_PLATES });
  await shot(phone.page, 'flow1-party-report');
  await party.submit();
  await party.waitInQueue();

  await seat.waitForRinging();
  await shot(seatScreen.page, 'flow1-seat-ringing');
  const caseId = await seat.acceptRinging();
  await seat.turnCameraOn();
  await party.waitForVideo();
  await seat.waitForPartyVideo();
  await seat.expectStats();
  await party.expectRecording();
  await shot(phone.page, 'flow1-party-call');
  await shot(seatScreen.page, 'flow1-seat-call');

  await seat.expectLeaveBlocked();
  await seat.completeEvidence();
  await seat.expectChecklistComplete();
  await shot(seatScreen.page, 'flow1-seat-checklist-complete');
  await seat.leaveScene('双方车辆已撤离至路边，无人受伤。');
  await party.expectLeaveNotice();
  await shot(phone.page, 'flow1-party-leave');

  // The call's recording (全程录像) is stored when its parts end, a moment after the call.
  const officerToken = await api.staffToken('harbin', 'officer');
  await expect.poll(async () => (await api.call<CaseView>('GET', `/api/cases/${caseId}`, undefined, officerToken)).evidence?.some((e) => e.item === 'recording'), { timeout: 30_000 }).toBe(true);

  const desk = await actor('console');
  const officer = new Officer(desk.page, 'harbin');
  await officer.signIn();
  const { number } = await api.call<CaseView>('GET', `/api/cases/${caseId}`, undefined, officerToken);
  await officer.expectAwaiting(number);
  await shot(desk.page, 'flow1-officer-queue');
  await officer.openCase(number);
  await officer.expectEvidence({ photos: 2, recording: true });
  await officer.expectChainIntact();
  await shot(desk.page, 'flow1-officer-evidence');
  await officer.determine({ parties: [{ liability: 'full', fault: '未与前车保持足以采取紧急制动措施的安全距离' }, { liability: 'none', fault: '无' }] });
  const docNumber = await officer.expectIssued();
  await shot(desk.page, 'flow1-officer-issued');

  await party.openProgress();
  await party.openCase(number);
  expect(await party.expectDetermination()).toBe(docNumber);
  await party.downloadDocument();
  await shot(phone.page, 'flow1-party-determination');
  await party.requestReview('对方车辆突然变道，请求复核。');
  // While the review is open the claim waits for its outcome.
  await expect(phone.page.getByTestId('claims-wait-review')).toBeVisible();
  await shot(phone.page, 'flow1-party-review-requested');

  // The officer, still on the case, sees the review arrive live and decides it; the desk lists it too.
  await officer.decideReview('upheld');
  await officer.openQueue();
  await shot(desk.page, 'flow1-officer-review-decided');

  await phone.page.reload();
  await party.pushClaim();
  await shot(phone.page, 'flow1-party-claim-pushed');
  const after = await api.call<CaseView>('GET', `/api/cases/${caseId}`, undefined, officerToken);
  expect(after.reviews).toHaveLength(1);
  expect(after.claims.length).toBeGreaterThan(0);
  expect(after.state).toBe('claim_pushed');
});

test('(2) Harbin at 19:30 and in 阿城区: refused with the reason and the fallback, no call', async ({ actor, api, shot }) => {
  await api.setClock(at('19:30'));
  const { page } = await actor('phone', { geolocation: DAOLI });
  const party = new Party(page, 'harbin');
  await party.open();
  await party.passSafety();
  await party.signIn('13912340001', () => api.smsCode('harbin', '13912340001'));
  await party.fillReport({ kind: 'motor_motor', district: '道里区', plates: HARBIN_PLATES });
  await party.submit();
  await party.expectRefused(/07:00|19:00|服务时间/);
  await shot(page, 'flow2-refused-hours');

  await api.setClock(at('10:00'));
  await party.editAfterRefusal();
  await party.fillReport({ kind: 'motor_motor', manual: true, district: '阿城区', plates: HARBIN_PLATES });
  await party.submit();
  await party.expectRefused(/阿城区|范围/);
  await shot(page, 'flow2-refused-area');

  const seatToken = await api.staffToken('harbin', 'seat-daoli');
  const queue = await api.call<SeatQueue>('GET', '/api/seat/queue', undefined, seatToken);
  expect(queue.waiting).toHaveLength(0);
  // Both refusals are on record (analytics counts them), neither ever queued.
  const mine = await page.evaluate(() => fetch('/api/cases').then((r) => r.json() as Promise<Array<{ state: string }>>));
  expect(mine.map((c) => c.state)).toEqual(['ineligible', 'ineligible']);
});

test('(3) Nantong through the WeChat mini-program link: the same flow through the channel', async ({ actor, api, server, shot }) => {
  await api.setClock(at('21:30'));
  const secret = (JSON.parse(readFileSync(path.join(server.dataDir, 'dev-secrets.json'), 'utf8')) as Record<string, string>).KUAICHU_NANTONG_WECHAT_SECRET!;
  const seatScreen = await actor('console');
  const seat = new Seat(seatScreen.page, 'nantong');
  await seat.signIn('seat-centre');
  await seat.setAvailable();

  const phone = await actor('phone', { geolocation: CHONGCHUAN });
  const party = new Party(phone.page, 'nantong');
  const token = issueChannelToken({ tenant: 'nantong', phone: '13812345678', sub: 'openid-e2e-flow3' }, secret, { now: new Date(at('21:30')) });
  await party.open({ channel: 'wechat_miniprogram', token });
  await party.passSafety();
  await party.fillReport({ kind: 'motor_motor', district: '崇川区', plates: ['苏FD23456', '苏F3M9K1'] });
  await party.submit();
  const caseId = await seat.acceptRinging();
  await seat.turnCameraOn();
  await party.waitForVideo();
  await seat.waitForPartyVideo();
  await shot(phone.page, 'flow3-party-call');
  await seat.completeEvidence();
  await seat.expectChecklistComplete();
  await shot(seatScreen.page, 'flow3-seat-checklist-complete');
  await seat.leaveScene();
  await party.expectLeaveNotice();

  const officerToken = await api.staffToken('nantong', 'officer');
  const view = await api.call<CaseView & { channel: string }>('GET', `/api/cases/${caseId}`, undefined, officerToken);
  expect(view.channel).toBe('wechat_miniprogram');
  const desk = await actor('console');
  const officer = new Officer(desk.page, 'nantong');
  await officer.signIn();
  await officer.openCase(view.number);
  await officer.determine({ parties: [{ liability: 'full', fault: '未与前车保持足以采取紧急制动措施的安全距离' }, { liability: 'none', fault: '无' }] });
  await officer.expectIssued();
  await party.openProgress();
  await party.openCase(view.number);
  await party.expectDetermination();
  await shot(phone.page, 'flow3-party-determination');
});

test('(4) a dropped call is resumed with 继续处理 and comes back to the same seat', async ({ actor, api, shot }) => {
  await api.setClock(at('11:00'));
  const { seat, seatScreen, party, phone, signIn } = await harbinSeatAndParty(actor, api, '13912340004');
  await party.passSafety();
  await signIn();
  await party.fillReport({ kind: 'motor_motor', district: '道里区', plates: HARBIN_PLATES });
  await party.submit();
  const caseId = await seat.acceptRinging();
  await party.waitForCall();
  await seat.waitForPartyVideo();

  await party.dropByReload();
  await seat.expectCallDropped();
  await shot(phone.page, 'flow4-party-resume');
  await shot(seatScreen.page, 'flow4-seat-dropped');
  await party.resumeAfterDrop();
  expect(await seat.acceptRinging()).toBe(caseId);
  await party.waitForCall();
  await seat.waitForPartyVideo();
  await shot(phone.page, 'flow4-party-back-in-call');
  const seatToken = await api.staffToken('harbin', 'seat-daoli');
  const timeline = (await api.call<{ timeline: Array<{ type: string }> }>('GET', `/api/cases/${caseId}`, undefined, seatToken)).timeline.map((e) => e.type);
  expect(timeline).toEqual(expect.arrayContaining(['call.dropped', 'call.resumed']));
  expect(timeline.filter((t) => t === 'case.answered')).toHaveLength(2);
});

test('(5) a Harbin seat cannot open a Kunming case: the 404 page', async ({ actor, api, shot }) => {
  await api.setClock(at('10:00'));
  // A Kunming case, reported through the API (五华区, inside its hours).
  const { challenge } = await api.call<{ challenge: string }>('POST', '/api/cities/kunming/party/code', { phone: '13712345678' });
  const code = await api.smsCode('kunming', '13712345678');
  const { token } = await api.call<{ token: string }>('POST', '/api/cities/kunming/party/session', { phone: '13712345678', code, challenge });
  const kunming = await api.call<{ id: string }>('POST', '/api/cases', {
    clientKey: '5d2b7a4e-8a6f-4a44-9d3c-0e3f6c1b2a11',
    report: { location: { lng: 102.704, lat: 25.048 }, kind: 'motor_motor' },
  }, token);

  const { page } = await actor('console');
  const seat = new Seat(page, 'harbin');
  await seat.signIn('seat-daoli');
  await seat.openCaseByUrl(kunming.id);
  await expect(page.getByTestId('not-found')).toBeVisible();
  await shot(page, 'flow5-harbin-seat-404');
  const res = await page.request.get(`/api/cases/${kunming.id}`);
  expect(res.status()).toBe(404);
});
