/**
 * The party app at 375×812 against the real server: refusals (Harbin at 19:30, and in 阿城区),
 * the call (safety → sign-in → report → queue → video → leave notice), and 网办进度 (the
 * e-determination, its PDF, review in time and after the deadline, the claim). The seat and the
 * officer act through the API here (their own screens are other specs); in the call test a
 * second page joins the case's media as the seat, so the party's screen shows real video.
 */
import path from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { Party } from './pages/Party.ts';
import { PLATES, Staff } from './support/staff.ts';
import { issueChannelToken } from '@kuaichu/plugin-channel-wechat';
import { callPageScript } from '@kuaichu/testkit/callPage';
import { readFileSync } from 'node:fs';
import { at, YEAR } from './support/day.ts';

const DAOLI = { latitude: 45.773, longitude: 126.617 };
/** The newest sign-in code sent to a phone (the API helper keeps the admin's token and renews it when the clock ended it). */
async function smsCode(api: Api, tenant: string, phone: string): Promise<string> {
  return api.smsCode(tenant, phone);
}

/** The seat's side of the video, in a second browser page: the media plugin's own call page joins the case's room with a fake camera. */
async function seatMedia({ context, page }: { context: BrowserContext; page: Page }, baseUrl: string, token: string, caseId: string): Promise<Page> {
  const seatPageJs = await callPageScript();
  await context.addCookies([{ name: 'kc_session', value: token, url: baseUrl }]);
  await page.goto('/');
  // Evaluated, not added as an inline <script>: the server's CSP (script-src 'self') rightly blocks inline scripts.
  await page.evaluate(seatPageJs);
  await page.evaluate((id) => (globalThis as unknown as { call: { join(id: string, o: object): Promise<unknown> } }).call.join(id, { camera: true, microphone: true }), caseId);
  return page;
}

/** A report made from the signed-in party's own session (the CSRF token the app keeps), as the app would send it. */
async function reportFromSession(page: Page, location: { lng: number; lat: number }): Promise<{ id: string; number: string }> {
  return page.evaluate(async (loc) => {
    const res = await fetch('/api/cases', {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('kc_csrf') ?? '' },
      body: JSON.stringify({ clientKey: crypto.randomUUID(), report: { location: loc, kind: 'motor_motor', parties: 2, vehicles: [{ plate: '黑A12345' }, { plate: '黑AD56789' }] } }),
    });
    if (!res.ok) throw new Error(await res.text());
    return res.json() as Promise<{ id: string; number: string }>;
  }, location);
}

test.describe('party app (375×812)', () => {
  test('refused at 19:30, and in 阿城区: the reasons and the fallback, no call', async ({ actor, api, shot }) => {
    await api.setClock(at('19:30'));
    const evening = new Party((await actor('phone', { geolocation: DAOLI })).page, 'harbin');
    await evening.open();
    await evening.passSafety();
    await evening.signIn('13900000101', () => smsCode(api, 'harbin', '13900000101'));
    await evening.fillReport({ district: '道里区', plates: PLATES });
    await evening.submit();
    await evening.expectRefused('不在视频快处服务时间内');
    await expect(evening.page.getByTestId('refusal')).toContainText('19:30');
    await expect(evening.page.getByTestId('fallback').locator('a[href="tel:122"]')).toBeVisible();
    await shot(evening.page, 'party-refused-hours');

    await api.setClock(at('10:00'));
    // No location permission on this phone: the party names the district by hand.
    const acheng = new Party((await actor('phone')).page, 'harbin');
    await acheng.open();
    await acheng.passSafety();
    await acheng.signIn('13900000102', () => smsCode(api, 'harbin', '13900000102'));
    await acheng.fillReport({ district: '阿城区', manual: true, address: '阿城区延川大街', plates: PLATES });
    await expect(acheng.page.getByTestId('location')).toContainText('不在视频快处服务区域内'); // told at once, before the questions
    await acheng.submit();
    await acheng.expectRefused('阿城区');
    await acheng.expectNoHorizontalScroll();
    await shot(acheng.page, 'party-refused-area');
    await acheng.switchLanguage();
    await expect(acheng.page.getByRole('heading', { name: 'This accident cannot be handled by video' })).toBeVisible();
    await expect(acheng.page.getByTestId('refusal-reasons')).toContainText('outside the video handling area');
    await shot(acheng.page, 'party-refused-area-en');

    // Nothing reached the seats: the 道里 and 阿城 reports were recorded as refusals only.
    const seat = await Staff.as(api, 'harbin', 'seat-daoli');
    const queue = await seat.call<{ waiting: unknown[] }>('GET', '/api/seat/queue');
    expect(queue.waiting).toEqual([]);
  });

  test('10:00 in 道里区: safety → sign-in → report → queue → video → leave the scene', async ({ actor, api, shot }) => {
    await api.setClock(at('10:00'));
    const seat = await Staff.as(api, 'harbin', 'seat-daoli');
    await seat.call('POST', '/api/seat/status', { status: 'away' }).catch(() => {});
    const phone = actor('phone', { geolocation: DAOLI });
    const party = new Party((await phone).page, 'harbin');
    const page = party.page;

    await party.open();
    await party.expectNoHorizontalScroll();
    await shot(page, 'party-safety');
    await party.passSafety();
    await page.getByLabel('手机号码').fill('1390000');
    await page.getByLabel('手机号码').blur();
    await expect(page.getByText('请输入正确的 11 位手机号码')).toBeVisible();
    await party.expectNoHorizontalScroll();
    await shot(page, 'party-signin');
    await party.signIn('13900000201', () => smsCode(api, 'harbin', '13900000201'));
    await party.fillReport({ district: '道里区', address: '中央大街与西十二道街交口', plates: PLATES });
    await expect(page.getByTestId('report-time')).toContainText('10:00');
    await shot(page, 'party-report-questions');
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await party.expectNoHorizontalScroll();
    await shot(page, 'party-report');

    await party.submit();
    expect(await party.waitInQueue()).toBe(1);
    await party.expectOwnCameraLive();
    await party.expectNoHorizontalScroll();
    await shot(page, 'party-queue');
    const caseId = party.caseId();

    await seat.available();
    await seat.answer(caseId);
    const seatPage = await seatMedia(await actor('console'), api.baseUrl, seat.token, caseId);
    await party.waitForVideo();
    await party.expectRecording();
    await party.switchCamera();
    await party.toggleMute();
    await party.expectOwnCameraLive();
    await party.expectNoHorizontalScroll();
    await shot(page, 'party-call');

    // The network goes (here: a reload kills the media socket): 继续处理 puts the party back to the same seat.
    await party.dropByReload();
    await shot(page, 'party-resume');
    await party.resumeAfterDrop();
    await expect.poll(async () => (await seat.call<{ state: string }>('GET', `/api/cases/${caseId}`)).state, { timeout: 15_000 }).toMatch(/^(ringing|in_call)$/);
    if ((await seat.call<{ state: string }>('GET', `/api/cases/${caseId}`)).state === 'ringing') await seat.answer(caseId);
    await party.waitForVideo();

    await seat.completeEvidence(caseId);
    await seat.call('POST', `/api/cases/${caseId}/evacuate`);
    await party.expectLeaveNotice();
    await party.expectNoHorizontalScroll();
    await shot(page, 'party-leave');
    await seatPage.close();
  });

  test('网办进度: the e-determination, its PDF, review in time and after the deadline, the claim', async ({ actor, api, shot }) => {
    await api.setClock(at('10:00'));
    const party = new Party((await actor('phone', { geolocation: DAOLI })).page, 'harbin');
    await party.open();
    await party.passSafety();
    await party.signIn('13900000301', () => smsCode(api, 'harbin', '13900000301'));

    const seat = await Staff.as(api, 'harbin', 'seat-daoli');
    const officer = await Staff.as(api, 'harbin', 'officer');
    const cases: Array<{ id: string; number: string }> = [];
    for (let i = 0; i < 2; i++) {
      const c = await reportFromSession(party.page, { lng: 126.617, lat: 45.773 });
      await seat.available();
      await seat.answer(c.id);
      await seat.completeEvidence(c.id);
      await seat.call('POST', `/api/cases/${c.id}/evacuate`);
      await officer.determine(c.id);
      cases.push(c);
    }

    await party.openProgress();
    await expect(party.page.getByTestId('case-list').locator('a[data-number]')).toHaveCount(2);
    await shot(party.page, 'party-progress');
    await party.openCase(cases[0]!.number);
    expect(await party.expectDetermination()).toMatch(new RegExp(`^HRB-${YEAR}-\\d{6}$`));
    await expect(party.page.getByTestId('determination')).toContainText('全部责任');
    await shot(party.page, 'party-determination');
    await party.downloadDocument();
    await party.pushClaim();
    await expect(party.page.getByTestId('claims').locator('li[data-insurer="picc"]')).toContainText('中国人保');
    await party.requestReview('我认为前车突然刹车，请求复核。');
    await party.page.getByTestId('claims').scrollIntoViewIfNeeded();
    await shot(party.page, 'party-review-claim');

    // Four days later the window (3 days from service) has closed: the server refuses, the party is told.
    // The party's session (24 h) has ended by then: 网办进度 asks to sign in again.
    await api.advanceClock(4 * 24 * 3600);
    await party.openProgress();
    await expect(party.page.getByTestId('cases-signin')).toBeVisible();
    await party.signIn('13900000301', () => smsCode(api, 'harbin', '13900000301'));
    await expect(party.page.getByTestId('case-list')).toBeVisible();
    await party.openCase(cases[1]!.number);
    // The determination is final and the case closed (结案); the insurer can still be told.
    await expect(party.page.getByTestId('case-head')).toContainText('已结案');
    await party.expectReviewRefused();
    await party.page.getByTestId('review').scrollIntoViewIfNeeded();
    await shot(party.page, 'party-review-closed');
    await party.pushClaim();
    await expect(party.page.getByTestId('case-head')).toContainText('已结案');
  });

  test('Nantong from the WeChat mini-program link: signed in by the channel token, the report carries the channel', async ({ actor, api, server, shot }) => {
    const now = await api.setClock(at('21:30')); // Nantong serves around the clock
    const secret = (JSON.parse(readFileSync(path.join(server.dataDir, 'dev-secrets.json'), 'utf8')) as Record<string, string>)['KUAICHU_NANTONG_WECHAT_SECRET']!;
    const token = issueChannelToken({ tenant: 'nantong', phone: '13900000401', sub: 'openid-e2e-401' }, secret, { now: new Date(now) });
    const party = new Party((await actor('phone', { geolocation: { latitude: 32.01, longitude: 120.857 } })).page, 'nantong');
    await party.open({ channel: 'wechat_miniprogram', token });
    await expect(party.page).not.toHaveURL(/token=/);
    await party.passSafety();
    await expect(party.page.getByRole('heading', { name: '填写事故信息' })).toBeVisible(); // no SMS sign-in
    await party.fillReport({ district: '崇川区', plates: ['苏FD23456', '苏F3M9K1'] });
    await shot(party.page, 'party-report-nantong');
    await party.submit();
    await party.waitInQueue();
    const mine = await party.page.evaluate(() => fetch('/api/cases').then((r) => r.json() as Promise<Array<{ id: string; channel: string; state: string }>>));
    expect(mine.map((c) => [c.channel, c.state])).toEqual([['wechat_miniprogram', 'queued']]);

    // The centre sends officers instead: the party is told to wait safely for them.
    const officer = await Staff.as(api, 'nantong', 'officer');
    await officer.call('POST', `/api/cases/${mine[0]!.id}/escalate`, { reason: '一方要求民警到场' });
    await party.expectEscalated();
    await party.expectNoHorizontalScroll();
    await shot(party.page, 'party-escalated');
  });
});
