/**
 * Yancheng's 云车通 services (issue 14) in real browsers against the real server:
 *  - 人伤直赔: the officer issues a QR code (API), the party's phone shows it, the hospital console signs in,
 *    types the code, sees the injured party masked and bills; the insurer console settles; the party sees 已结算.
 *  - 一键救援: three tow crews on duty from the tow-crew page (each its own geolocation); the party taps rescue;
 *    the nearest crew is offered the job and accepts; the crew moves closer; the party's map shows the vehicle
 *    approaching (the distance shrinks).
 *  - 线下服务点: a refused report is sent to the nearest of the four offline service points — by region, as the
 *    source gives no addresses — shown first and marked, with the party and the point's quadrant on the district map;
 *    from the case page, from the report form itself (refused before any case), and after an escalation on site.
 *  - the dashboard: after both (events through the outbox and the server's bus into its chdb analytics), Yancheng's
 *    analyst sees the direct-pay tiles (¥ advanced and settled, vouchers issued with a revoked one apart, scan →
 *    settlement) and the rescue tile (request → arrival, rescues and completed) with the flows' figures.
 * The tests share the file's server in order (the dashboard reads what the first two did).
 */
import type { BrowserContext, Page } from '@playwright/test';
import type { AnalyticsMetrics } from '@kuaichu/core/generated/types.ts';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { partySignIn } from './support/partyPhone.ts';
import { Party } from './pages/Party.ts';
import { Analyst } from './pages/Analyst.ts';
import { Staff } from './support/staff.ts';

test.describe.configure({ mode: 'serial' });

const SCENE = { lng: 120.154, lat: 33.338 }; // 盐都区
const PASSWORD = 'Correct-Horse-Battery-9';
/** The cases of the first two tests, still in the queue: the last test has the seat answer the one that rings and send it on site. */
const queued: Array<{ id: string; token: string }> = [];

async function partnerOrg(api: Api, kind: string, name: string, people: string[], code?: string): Promise<void> {
  const org = await api.asStaff<{ id: string }>('yancheng', 'admin', 'POST', '/api/admin/partners', { kind, name, ...(code ? { code } : {}) });
  for (const username of people) await api.asStaff('yancheng', 'admin', 'POST', `/api/admin/partners/${org.id}/people`, { username, displayName: `${name}${username.slice(-1)}`, password: PASSWORD });
}

async function signIn(page: Page, path: string, username: string): Promise<void> {
  await page.goto(`${path}?tenant=yancheng`);
  await page.getByTestId('partner-sign-in').locator('input[name=username]').fill(username);
  await page.getByTestId('partner-sign-in').locator('input[name=password]').fill(PASSWORD);
  await page.getByTestId('partner-sign-in').getByRole('button').click();
  await expect(page.getByTestId('partner-sign-in')).toHaveCount(0);
}

async function partyPage(context: BrowserContext, page: Page, baseUrl: string, token: string, caseId: string): Promise<void> {
  await context.addCookies([{ name: 'kc_session', value: token, url: baseUrl }]);
  await page.goto(`/m/yancheng/cases/${caseId}`);
}

test('an injury QR scanned by the hospital and settled by the insurer', async ({ api, server, actor, shot }) => {
  await partnerOrg(api, 'hospital', '盐城市第一人民医院', ['hospital-1']);
  await partnerOrg(api, 'insurer', '中国平安盐城中心支公司', ['pingan-1'], 'pingan');
  const party = await partySignIn(api, 'yancheng', '13900001501');
  const c = await api.call<{ id: string }>('POST', '/api/cases', { clientKey: 'aftercare-e2e-injury', report: { location: { ...SCENE, source: 'gps', accuracyMeters: 10 }, kind: 'motor_non_motor', injury: 'minor', channel: 'video_phone' } }, party.token);
  queued.push({ id: c.id, token: party.token });
  const bill = await api.asStaff<{ code: string }>('yancheng', 'officer', 'POST', `/api/cases/${c.id}/direct-pay`, { injuredName: '王小明', injuredIdNumber: '320902199001011234', insurerId: 'pingan' });

  const phone = await actor('phone');
  await partyPage(phone.context, phone.page, server.url, party.token, c.id);
  await expect(phone.page.getByTestId('direct-pay-code')).toHaveText(bill.code);
  await shot(phone.page, 'aftercare-party-direct-pay-qr');

  const hospital = await actor('console');
  await signIn(hospital.page, '/console/hospital', 'hospital-1');
  await hospital.page.locator('input[name=code]').fill(bill.code.toLowerCase());
  await hospital.page.getByRole('button', { name: '核验接诊' }).click();
  await expect(hospital.page.getByTestId('injured').first()).toHaveText('王**');
  await hospital.page.locator('input[name=treatment]').fill('清创缝合，X 光检查');
  await hospital.page.locator('input[name=amount]').fill('860.50');
  await hospital.page.getByRole('button', { name: '提交账单' }).click();
  await expect(hospital.page.getByTestId('bill-status').first()).toHaveText('医院已垫付，待保险结算');
  await shot(hospital.page, 'aftercare-hospital-console');
  // The same code again: used.
  await hospital.page.getByRole('button', { name: '核验接诊' }).click();
  await expect(hospital.page.getByTestId('error')).toHaveText('该直赔码已被使用');
  // Half an hour on the server's clock between the scan and the settlement (the dashboard's scan → settlement).
  await api.advanceClock(1800);

  const insurer = await actor('console');
  await signIn(insurer.page, '/console/insurer', 'pingan-1');
  await expect(insurer.page.getByTestId('amount')).toHaveText('¥860.50');
  await insurer.page.getByRole('button', { name: '结算' }).click();
  await expect(insurer.page.getByTestId('bill-status')).toHaveText('保险公司已结算');
  await shot(insurer.page, 'aftercare-insurer-bills');

  await phone.page.reload();
  await expect(phone.page.getByTestId('bill-status')).toHaveText('保险公司已结算');
  // A second voucher issued by mistake and revoked before any scan: not issued in the ledger (nor on the dashboard).
  const wrong = await api.asStaff<{ id: string }>('yancheng', 'officer', 'POST', `/api/cases/${c.id}/direct-pay`, { injuredName: '王小红', insurerId: 'pingan' });
  await api.asStaff('yancheng', 'officer', 'POST', `/api/cases/${c.id}/direct-pay/${wrong.id}/revoke`, {});
  const ledger = await api.asStaff<{ issued: number; advancedFen: number; settledFen: number }>('yancheng', 'officer', 'GET', '/api/direct-pay/ledger');
  expect(ledger).toMatchObject({ issued: 1, advancedFen: 86050, settledFen: 86050 });
});

test('a rescue dispatched to the nearest of three tow vehicles, the party map showing it approach', async ({ api, server, actor, shot }) => {
  await partnerOrg(api, 'tow', '盐城市清障救援公司', ['tow-1', 'tow-2', 'tow-3']);
  // North of the scene: crew 2 is nearest (~1.1 km), crew 1 ~2.2 km, crew 3 ~4.4 km.
  const crews: Array<{ context: BrowserContext; page: Page }> = [];
  for (const [i, dLat] of [0.02, 0.01, 0.04].entries()) {
    const crew = await actor('phone', { geolocation: { latitude: SCENE.lat + dLat, longitude: SCENE.lng } });
    await signIn(crew.page, '/console/tow', `tow-${i + 1}`);
    await crew.page.locator('input[name=plate]').fill(`苏J1234${i + 1}`);
    await crew.page.getByRole('button', { name: '开始接单（上报位置）' }).click();
    await expect(crew.page.getByTestId('position')).toBeVisible();
    crews.push(crew);
  }
  const party = await partySignIn(api, 'yancheng', '13900001502');
  const c = await api.call<{ id: string }>('POST', '/api/cases', { clientKey: 'aftercare-e2e-rescue', report: { location: { ...SCENE, source: 'gps', accuracyMeters: 10 }, kind: 'motor_motor', injury: 'none', channel: 'video_phone' } }, party.token);
  queued.push({ id: c.id, token: party.token });
  const phone = await actor('phone', { geolocation: { latitude: SCENE.lat, longitude: SCENE.lng } });
  await partyPage(phone.context, phone.page, server.url, party.token, c.id);
  await phone.page.getByRole('button', { name: '一键救援' }).click();
  await expect(phone.page.getByTestId('rescue-status')).toHaveAttribute('data-status', 'offering');

  // The nearest crew (2) is offered the job; the others are not.
  await expect(crews[1]!.page.getByTestId('offer')).toBeVisible();
  await expect(crews[0]!.page.getByTestId('offer')).toHaveCount(0);
  await expect(crews[2]!.page.getByTestId('offer')).toHaveCount(0);
  await shot(crews[1]!.page, 'aftercare-tow-offer');
  await crews[1]!.page.getByRole('button', { name: '接单' }).click();
  await expect(crews[1]!.page.getByTestId('job')).toHaveAttribute('data-status', 'accepted');

  await expect(phone.page.getByTestId('rescue-status')).toHaveAttribute('data-status', 'accepted');
  await expect(phone.page.getByTestId('crew')).toContainText('盐城市清障救援公司');
  await expect(phone.page.getByTestId('vehicle')).toBeVisible();
  const first = Number(await phone.page.getByTestId('eta').getAttribute('data-km'));
  await shot(phone.page, 'aftercare-party-rescue-map-far');
  // The crew drives towards the scene: its page reports the new position; the party's map follows.
  await crews[1]!.context.setGeolocation({ latitude: SCENE.lat + 0.003, longitude: SCENE.lng });
  await expect.poll(async () => Number(await phone.page.getByTestId('eta').getAttribute('data-km')), { timeout: 20_000 }).toBeLessThan(first);
  await shot(phone.page, 'aftercare-party-rescue-map-near');

  // Twelve minutes on the server's clock from the request to the arrival (the dashboard's rescue arrival time).
  await api.advanceClock(720);
  await crews[1]!.page.getByRole('button', { name: '已到达' }).click();
  await expect(phone.page.getByTestId('rescue-status')).toHaveAttribute('data-status', 'arrived');
  await crews[1]!.page.getByRole('button', { name: '救援完成' }).click();
  await expect(phone.page.getByTestId('rescue-status')).toHaveAttribute('data-status', 'completed');
});

test('the dashboard shows Yancheng’s direct-pay and rescue tiles with the figures of the two flows above', async ({ api, actor, shot }) => {
  // The flows' events reach the analytics through the outbox and the bus: wait for the API to have them all.
  const metrics = () => api.asStaff<AnalyticsMetrics>('yancheng', 'analyst', 'GET', '/api/analytics/metrics?groupBy=none');
  const figures = (m: AnalyticsMetrics) => [
    m.total.directPayVouchers, m.total.directPayVouchersRevoked, m.total.directPayAdvancedFen, m.total.directPaySettledFen, m.total.directPayScanToSettlement.mean,
    m.total.rescues, m.total.rescuesCompleted, m.total.rescueArrival.mean,
  ];
  await expect.poll(async () => figures(await metrics()), { timeout: 20_000 }).toEqual([1, 1, 86050, 86050, 1800, 1, 1, 720]);

  const { page } = await actor('console');
  await new Analyst(page, 'yancheng').signIn();
  const tile = (id: string) => page.getByTestId(`kpi-${id}`);
  await expect(tile('directPayAdvanced')).toHaveAttribute('data-value', '86050');
  await expect(tile('directPayAdvanced').locator('strong')).toHaveText('¥860.50');
  await expect(tile('directPayAdvanced')).toContainText('已结算 ¥860.50');
  await expect(tile('directPayVouchers')).toHaveAttribute('data-value', '1');
  await expect(tile('directPayVouchers')).toContainText('另撤销 1 张（不计入）');
  await expect(tile('directPayScanToSettlement').locator('strong')).toHaveText('30:00');
  await expect(tile('rescueArrival').locator('strong')).toHaveText('12:00');
  await expect(tile('rescueArrival')).toContainText('救援 1 起，完成 1 起');
  await tile('directPayAdvanced').scrollIntoViewIfNeeded();
  await shot(page, 'aftercare-dashboard-tiles');
});

test('a refusal sends the party to the nearest offline service point, by region, on the district map', async ({ api, server, actor, shot }) => {
  const WEST = { lng: 119.9, lat: 33.3 }; // 盐都区, west of the middle of the covered districts
  const party = await partySignIn(api, 'yancheng', '13900001503');
  const report = { location: { ...WEST, source: 'gps', accuracyMeters: 10 }, kind: 'motor_motor', injury: 'none', channel: 'video_phone', disqualifiers: ['drink_driving'] };
  const c = await api.call<{ id: string; decision: { eligible: boolean } }>('POST', '/api/cases', { clientKey: 'aftercare-e2e-refused', report }, party.token);
  expect(c.decision.eligible).toBe(false);

  const phone = await actor('phone');
  await phone.context.addCookies([{ name: 'kc_session', value: party.token, url: server.url }]);
  await phone.page.goto(`/m/yancheng/call/${c.id}`);
  await expect(phone.page.getByTestId('refusal')).toBeVisible();
  const nearest = phone.page.getByTestId('nearest-point');
  await expect(nearest).toContainText('最近的服务点');
  await expect(nearest).toContainText('城西一站式服务点');
  await expect(nearest).toHaveAttribute('data-direction', 'west');
  await expect(nearest).toContainText('伤残评定、财损评估、社会救助、诉讼审判');
  // The source gives no address: the party is told to ask 110, nothing is made up.
  await expect(phone.page.getByTestId('ask-address')).toContainText('拨打 110');
  await expect(phone.page.getByTestId('other-points').locator('li')).toHaveCount(3);
  const map = phone.page.getByTestId('service-points-map');
  await expect(map.getByTestId('party-position')).toBeVisible();
  await expect(map.getByTestId('nearest-region')).toHaveAttribute('data-quadrant', 'west');
  await expect(map.locator('path').first()).toBeVisible();
  await nearest.scrollIntoViewIfNeeded();
  await shot(phone.page, 'aftercare-party-refusal-service-point');
  await map.scrollIntoViewIfNeeded();
  await shot(phone.page, 'aftercare-party-refusal-service-point-map');

  // The case's page refers the party the same way.
  await phone.page.goto(`/m/yancheng/cases/${c.id}`);
  await expect(phone.page.getByTestId('nearest-point')).toContainText('城西一站式服务点');
});

test('the report form itself: a party in the west who ticks drink driving is refused on the spot (the pre-check), and sent to 城西 with the map', async ({ api, actor, shot }) => {
  const WEST = { latitude: 33.3, longitude: 119.9 }; // 盐都区, as the refusal above
  const party = new Party((await actor('phone', { geolocation: WEST })).page, 'yancheng');
  await party.open();
  await party.passSafety();
  await party.signIn('13900001504', () => api.smsCode('yancheng', '13900001504'));
  await party.fillReport({ district: '盐都区', plates: ['苏J12345', '苏JD56789'], disqualifiers: ['drink_driving'] });
  await party.submit();
  await party.expectRefused();
  const refusal = party.page.getByTestId('refusal');
  const nearest = refusal.getByTestId('nearest-point');
  await expect(nearest).toContainText('城西一站式服务点');
  await expect(nearest).toHaveAttribute('data-direction', 'west');
  await expect(refusal.getByTestId('ask-address')).toContainText('拨打 110');
  await expect(refusal.getByTestId('service-points-map').getByTestId('party-position')).toBeVisible();
  await party.expectNoHorizontalScroll();
  await nearest.scrollIntoViewIfNeeded();
  await shot(party.page, 'aftercare-party-report-form-refusal-service-point');
});

test('a case sent on site: the party is referred to the nearest service point too', async ({ api, server, actor, shot }) => {
  expect(queued).toHaveLength(2);
  const seat = await Staff.as(api, 'yancheng', 'seat-yunchetong');
  await seat.available();
  const state = async (id: string) => (await seat.call<{ state: string }>('GET', `/api/cases/${id}`)).state;
  let ringing: { id: string; token: string } | undefined;
  await expect.poll(async () => {
    for (const c of queued) if (await state(c.id) === 'ringing') ringing = c;
    return Boolean(ringing);
  }, { timeout: 15_000 }).toBe(true);
  await seat.call('POST', `/api/cases/${ringing!.id}/answer`);
  await seat.call('POST', `/api/cases/${ringing!.id}/escalate`, { reason: '伤情需现场认定' });

  const phone = await actor('phone');
  await phone.context.addCookies([{ name: 'kc_session', value: ringing!.token, url: server.url }]);
  await phone.page.goto(`/m/yancheng/call/${ringing!.id}`);
  await expect(phone.page.getByTestId('escalated')).toBeVisible();
  // Both cases are at 盐都区's label point, which lies east of the covered districts' centre of area: the east point, by region.
  await expect(phone.page.getByTestId('nearest-point')).toHaveAttribute('data-direction', 'east');
  await expect(phone.page.getByTestId('nearest-point')).toContainText('最近的服务点');
  await expect(phone.page.getByTestId('service-points-map').getByTestId('nearest-region')).toHaveAttribute('data-quadrant', 'east');
  await phone.page.getByTestId('service-points').scrollIntoViewIfNeeded();
  await shot(phone.page, 'aftercare-party-escalated-service-point');
});
