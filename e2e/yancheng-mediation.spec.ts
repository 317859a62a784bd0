/**
 * Yancheng's online mediation (线上调解室, issue 14) in real browsers, each person their own context:
 * a Yancheng case answered by the 云车通 seat, who invites party B (SMS link), an insurer and a
 * mediation committee. The mediator signs in to the partner console, accepts the SMS link, goes to
 * the mediator desk and books a time (city time) on screen; opening early is refused; the server's
 * clock moves to the time; the mediator opens the room and records the agreement (names, plates,
 * liability, who pays whom, how much). Party A and party B, on their phones' case pages (which
 * follow the mediation live), each confirm it with an SMS code to their own phone; the second
 * signature issues the 调解协议书: its PDF is served, and the verification address the QR code and
 * the SMS carry opens /verify in a fresh browser: 真实有效, the same number, the file's hash the
 * PDF's. Then a further booking nobody opens becomes a no-show on the server's tick: the desk offers
 * booking again, party A's page says so. Screenshots of each screen. Times are the suite's day
 * (support/day.ts): any date.
 */
import { createHash } from 'node:crypto';
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { partySignIn, type Party } from './support/partyPhone.ts';
import { Staff } from './support/staff.ts';
import { at, DAY, slashed, YEAR } from './support/day.ts';

const TINGHU = { lng: 120.197, lat: 33.391 }; // 亭湖区 → brigade yunchetong
const SEAT = 'seat-yunchetong';
const PASSWORD = 'Yc-mediation-e2e-9Qv4';
const PHONE_A = '13900001711';
const PHONE_B = '13900001712';
const MEDIATOR = { name: '盐城市亭湖区交通事故人民调解委员会', username: 'tinghu-tiaojie', phone: '13900001713' };
const INSURER = { name: '中国人保财险盐城分公司', username: 'picc-yc-1', phone: '13900001714', code: 'picc' };

/** The development SMS outbox of a phone, newest first (as the admin page shows it). */
async function sms(api: Api, phone: string): Promise<string[]> {
  const { messages } = await api.asStaff<{ messages: Array<{ text: string }> }>('yancheng', 'admin', 'GET', `/api/admin/sms-outbox?to=${phone}`);
  return messages.map((m) => m.text);
}

/** The newest code sent to the phone, '' when none. */
async function codeNow(api: Api, phone: string): Promise<string> {
  for (const text of await sms(api, phone)) {
    const code = /验证码为\s*(\d{6})/.exec(text)?.[1];
    if (code) return code;
  }
  return '';
}

/** The party confirms the agreement on their case page: a code to their own phone, typed in. */
async function confirmWithCode(page: Page, api: Api, phone: string): Promise<void> {
  const before = await codeNow(api, phone);
  const box = page.getByTestId('mediation');
  await box.getByRole('button', { name: '获取签名验证码' }).click();
  await expect(box.getByLabel('短信验证码')).toBeVisible();
  let code = '';
  await expect.poll(async () => (code = await codeNow(api, phone)) !== '' && code !== before).toBe(true);
  await box.getByLabel('短信验证码').fill(code);
  await box.getByRole('button', { name: '确认并签名' }).click();
}

async function partyCasePage(context: BrowserContext, page: Page, baseUrl: string, party: Party, caseId: string): Promise<void> {
  await context.addCookies([{ name: 'kc_session', value: party.token, url: baseUrl }]);
  await page.goto(`/m/yancheng/cases/${caseId}`);
  await expect(page.getByTestId('case-head')).toBeVisible();
}

test('a mediation booked on the mediator desk, held at its time, agreed, confirmed by both parties by SMS code; the 调解协议书 PDF verified', async ({ api, server, actor, shot }) => {
  test.setTimeout(180_000);
  await api.setClock(at('10:00'));
  const orgId: Record<'mediator' | 'insurer', string> = { mediator: '', insurer: '' };
  for (const [kind, p] of [['mediator', MEDIATOR], ['insurer', INSURER]] as const) {
    const org = await api.asStaff<{ id: string }>('yancheng', 'admin', 'POST', '/api/admin/partners', { kind, name: p.name, ...('code' in p ? { code: p.code } : {}) });
    await api.asStaff('yancheng', 'admin', 'POST', `/api/admin/partners/${org.id}/people`, { username: p.username, displayName: `${p.name.slice(-5)}经办人`, phone: p.phone, password: PASSWORD });
    orgId[kind] = org.id;
  }

  // The accident: party A reports, the 云车通 seat answers, invites party B, the insurer and the mediation committee.
  const partyA = await partySignIn(api, 'yancheng', PHONE_A);
  const c = await api.call<{ id: string; number: string }>('POST', '/api/cases', { clientKey: 'yancheng-mediation-e2e', report: { location: { ...TINGHU, source: 'gps', accuracyMeters: 10 }, kind: 'motor_motor', injury: 'none', channel: 'video_phone' } }, partyA.token);
  const seat = await Staff.as(api, 'yancheng', SEAT);
  await seat.available();
  await seat.answer(c.id);
  const invitationB = await seat.call<{ url: string }>('POST', `/api/cases/${c.id}/invitations`, { role: 'party_b', phone: PHONE_B });
  await seat.call('POST', `/api/cases/${c.id}/invitations`, { role: 'insurer', orgId: orgId.insurer });
  await seat.call('POST', `/api/cases/${c.id}/invitations`, { role: 'mediator', orgId: orgId.mediator });
  // Party B's link signs them in (the room spec opens it in the party app; here only their session is needed).
  const accepted = await api.call<{ session: { token: string } }>('POST', '/api/cities/yancheng/invitations/accept', { token: invitationB.url.slice(invitationB.url.lastIndexOf('/') + 1) });
  const partyB: Party = { phone: PHONE_B, token: accepted.session.token };

  // The mediator: partner console, the SMS link accepted, then the mediator desk.
  const desk = await actor('console');
  const d = desk.page;
  await d.goto('/console/partner?tenant=yancheng');
  const login = d.getByTestId('partner-login');
  await login.locator('input[name=username]').fill(MEDIATOR.username);
  await login.locator('input[name=password]').fill(PASSWORD);
  await login.getByRole('button').click();
  await expect(d.getByTestId('partner-who')).toContainText(MEDIATOR.name);
  const link = (await sms(api, MEDIATOR.phone)).map((t) => /(https?:\/\/\S+\/invite\/\S+?)(?=[，。\s]|$)/.exec(t)?.[1]).find(Boolean);
  expect(link, 'the mediator was sent the invitation link').toBeTruthy();
  await d.getByTestId('partner-accept').locator('input[name=link]').fill(link!);
  await d.getByTestId('partner-accept').getByRole('button').click();
  await expect(d.getByTestId('partner-accepted')).toBeVisible();
  await expect(d.locator(`[data-testid="partner-case"][data-id="${c.id}"]`)).toContainText(c.number);
  await shot(d, 'mediation-partner-console');
  await d.getByTestId('mediation-desk-link').click();
  await expect(d).toHaveURL(/\/console\/mediation/);

  // Book 10:30 city time on screen.
  const row = d.locator(`[data-testid="mediation-case"][data-id="${c.id}"]`);
  await expect(row).toContainText(c.number);
  await row.locator('input[name=startsAt]').fill(`${DAY}T10:30`);
  await row.getByRole('button', { name: '预约' }).click();
  const item = d.getByTestId('mediation-item');
  await expect(item).toHaveAttribute('data-status', 'scheduled');
  await expect(item.getByRole('heading')).toContainText(`${c.number} · ${DAY} 10:30 · 已预约`);
  // Both parties are told the time by SMS.
  for (const phone of [PHONE_A, PHONE_B]) await expect.poll(async () => (await sms(api, phone)).some((t) => t.includes('线上调解') && t.includes('10:30'))).toBe(true);
  // Too early to open (the room opens from 10:15).
  await item.getByRole('button', { name: '开启调解室' }).click();
  await expect(d.getByRole('alert')).toHaveText('尚未到预约的调解时间，届时再开启调解室');
  await shot(d, 'mediation-desk-booked');

  // The parties' phones show the booking.
  const phoneA = await actor('phone');
  await partyCasePage(phoneA.context, phoneA.page, server.url, partyA, c.id);
  const boxA = phoneA.page.getByTestId('mediation');
  await expect(boxA).toHaveAttribute('data-status', 'scheduled');
  await expect(boxA).toContainText(`已预约${MEDIATOR.name}调解，时间 ${DAY} 10:30`);
  await shot(phoneA.page, 'mediation-party-a-booked');
  const phoneB = await actor('phone');
  await partyCasePage(phoneB.context, phoneB.page, server.url, partyB, c.id);
  const boxB = phoneB.page.getByTestId('mediation');
  await expect(boxB).toHaveAttribute('data-status', 'scheduled');

  // The time comes (the server's clock); the mediator opens the room and drafts the agreement: B pays A ¥3,200.
  await api.setClock(at('10:30'));
  await item.getByRole('button', { name: '开启调解室' }).click();
  await expect(item).toHaveAttribute('data-status', 'open');
  const form = item.getByTestId('mediation-outcome');
  for (const [legend, name, plate, liability] of [['甲方', '张伟', '苏J12345', 'none'], ['乙方', '李娜', '苏JD5678', 'full']] as const) {
    const party = form.getByRole('group', { name: legend });
    await party.getByLabel('姓名').fill(name);
    await party.getByLabel('号牌号码').fill(plate);
    await party.getByLabel('事故责任').selectOption(liability);
  }
  await form.getByLabel('赔偿方').selectOption('B');
  await form.getByLabel('赔偿金额（元）').fill('3200');
  await form.getByLabel('其他约定').fill('乙方于三日内通过交强险及商业三者险理赔支付，双方再无其他争议。');
  await shot(d, 'mediation-desk-drafting');
  await form.getByRole('button', { name: '记录调解结果' }).click();
  await expect(item).toHaveAttribute('data-status', 'agreed');
  await expect(item.getByRole('heading')).toContainText('已达成，待双方签名');
  await shot(d, 'mediation-desk-agreed');

  // Each party's page shows the agreement as it is recorded (live), and each confirms with their own code.
  for (const box of [boxA, boxB]) await expect(box.getByTestId('mediation-terms')).toContainText('调解协议：乙方赔偿甲方人民币 3200.00 元。');
  await shot(phoneA.page, 'mediation-party-a-agreement');
  await confirmWithCode(phoneA.page, api, PHONE_A);
  await expect(boxA.getByRole('status')).toHaveText('您已签名，等待对方确认。');
  await shot(phoneA.page, 'mediation-party-a-signed');
  await shot(phoneB.page, 'mediation-party-b-to-sign');
  await confirmWithCode(phoneB.page, api, PHONE_B);

  // The second signature issues the 调解协议书: both phones show it, the desk its number.
  const numberPattern = new RegExp(`^调解协议书已生效：(YCG-TJ-${YEAR}-\\d{6})$`);
  await expect(boxB.getByRole('status')).toHaveText(numberPattern);
  const number = numberPattern.exec((await boxB.getByRole('status').textContent())!)![1]!;
  await expect(boxA.getByRole('status')).toHaveText(`调解协议书已生效：${number}`);
  // The case's timeline names each step of the mediation.
  const timeline = phoneB.page.getByTestId('timeline');
  for (const [type, text] of <Array<[string, string]>>[['mediation.scheduled', '已预约线上调解'], ['mediation.opened', '调解室已开启'], ['mediation.recorded', '调解员已记录调解结果'], ['mediation.agreed', '调解协议书已生效']]) {
    await expect(timeline.locator(`li[data-event="${type}"]`)).toContainText(text);
  }
  await expect(timeline.locator('li[data-event="mediation.signed"]')).toHaveCount(2);
  await shot(phoneB.page, 'mediation-party-b-issued');
  await shot(phoneA.page, 'mediation-party-a-issued');
  await d.reload();
  await expect(d.getByTestId('mediation-item')).toHaveAttribute('data-status', 'signed');
  await expect(d.getByTestId('mediation-item').getByRole('link', { name: number })).toBeVisible();
  await shot(d, 'mediation-desk-signed');

  // The PDF, as party B's phone fetches it.
  const pdf = await phoneB.page.request.get((await boxB.getByTestId('mediation-pdf').getAttribute('href'))!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toMatch(/^application\/pdf/);
  const bytes = await pdf.body();
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');

  // The verification address (printed as the QR code, sent by SMS) opened in a fresh browser, as a scan would.
  const verifyUrl = (await boxB.getByTestId('mediation-verify').getAttribute('href'))!;
  const served = (await sms(api, PHONE_B)).find((t) => t.includes(number));
  expect(served, 'party B served the agreement by SMS').toBeTruthy();
  expect(served).toContain(verifyUrl);
  const scanner = await actor('phone');
  const v = scanner.page;
  const res = await v.goto(verifyUrl);
  expect(res!.status()).toBe(200);
  const verdict = v.getByTestId('verify-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', 'valid');
  await expect(verdict.getByRole('heading')).toHaveText('真实有效');
  await expect(v.getByTestId('verify-kind')).toHaveAttribute('data-kind', 'mediation');
  await expect(v.getByTestId('verify-title')).toHaveText('调解协议书核验');
  await expect(v.getByTestId('verify-kind')).toHaveText('调解协议书信息');
  // In force when the second party signed, at the (server's) 10:30.
  await expect(v.getByText('生效时间')).toBeVisible();
  await expect(v.getByTestId('verify-issued')).toHaveText(slashed('10:30'));
  await expect(v.getByTestId('verify-number')).toHaveText(number);
  await expect(v.getByTestId('verify-check')).toHaveCount(2);
  for (const check of await v.getByTestId('verify-check').all()) await expect(check).toHaveAttribute('data-ok', 'true');
  await expect(v.getByTestId('verify-name')).toHaveText(['张*', '李*']);
  await shot(v, 'mediation-verify');
  // The record behind the page: the file the party got is the one filed (its SHA-256).
  const record = await (await v.request.get(verifyUrl, { headers: { accept: 'application/json' } })).json();
  expect(record).toMatchObject({ kind: 'mediation', authentic: true, intact: true, number });
  expect(record.documentSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  // Party B's own link to /verify shows the same.
  await boxB.getByTestId('mediation-verify').click();
  await expect(phoneB.page.getByTestId('verify-verdict')).toHaveAttribute('data-verdict', 'valid');

  // A further session booked for 11:00 that nobody opens: at 11:15 (the grace) the server's tick marks it a
  // no-show; the desk offers booking again, party A's page (live) says it did not take place.
  await d.locator(`[data-testid="mediation-case"][data-id="${c.id}"] input[name=startsAt]`).fill(`${DAY}T11:00`);
  await d.locator(`[data-testid="mediation-case"][data-id="${c.id}"]`).getByRole('button', { name: '预约' }).click();
  await expect(d.locator('[data-testid="mediation-item"][data-status="scheduled"]')).toBeVisible();
  await api.setClock(at('11:15'));
  await expect(boxA).toHaveAttribute('data-status', 'no_show');
  await expect(boxA.getByTestId('mediation-no-show')).toContainText(`原定 ${DAY} 11:00 的调解未能进行（调解室未开启）`);
  await d.reload();
  await expect(d.getByTestId('mediation-no-show')).toContainText('未到场（调解室未开启）— 请重新预约');
  await shot(d, 'mediation-desk-no-show');
});
