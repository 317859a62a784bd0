/**
 * Yancheng's 云车通 staff screens (issue 14) in real browsers: what the seat and the officer did
 * only through the API before. (a) The seat answers a case in the seat console and, from the call's
 * 邀请 tab, invites party B by phone (the SMS carries the link) and an insurer picked from the city's
 * partner list; the tab lists both with their status; the seat withdraws the insurer's and it shows
 * 已撤回. (b) The officer opens the same case on the officer desk and books a mediation in its panel
 * (time in city time, the mediation committee picked from the list); the panel lists it as booked
 * with the committee's name and says whom the booking invited; the mediator's own desk shows it,
 * and so does the seat's case page. Screenshots of each panel. Times: the suite's day (support/day.ts).
 */
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { partySignIn } from './support/partyPhone.ts';
import { Seat } from './pages/Seat.ts';
import { Officer } from './pages/Officer.ts';
import { at, DAY } from './support/day.ts';

const TINGHU = { lng: 120.197, lat: 33.391 }; // 亭湖区 → brigade yunchetong
const SEAT = 'seat-yunchetong';
const PASSWORD = 'Yc-panels-e2e-6Rk2w';
const PHONE_A = '13900001911';
const PHONE_B = '13900001912';
const INSURER = { kind: 'insurer', name: '中国人保财险盐城分公司', username: 'picc-panels', phone: '13900001913', code: 'picc' };
const MEDIATOR = { kind: 'mediator', name: '亭湖区交通事故人民调解委员会', username: 'tinghu-panels', phone: '13900001914' };
const SHOP = { kind: 'repair_shop', name: '盐城亭湖汽修厂', username: 'shop-panels', phone: '13900001915' };

/** The development SMS outbox of a phone, newest first. */
async function sms(api: Api, phone: string): Promise<string[]> {
  const { messages } = await api.asStaff<{ messages: Array<{ text: string }> }>('yancheng', 'admin', 'GET', `/api/admin/sms-outbox?to=${phone}`);
  return messages.map((m) => m.text);
}
const inviteLink = (text: string) => /(https?:\/\/\S+\/invite\/yancheng\/[A-Za-z0-9_-]+)/.exec(text)?.[1];

test.describe.serial('Yancheng staff panels', () => {
  let c: { id: string; number: string };

  test('the seat invites party B by phone and an insurer from the call, sees both, withdraws one', async ({ api, actor, shot }) => {
    test.setTimeout(120_000);
    await api.setClock(at('10:00'));
    for (const p of [INSURER, MEDIATOR, SHOP]) {
      const org = await api.asStaff<{ id: string }>('yancheng', 'admin', 'POST', '/api/admin/partners', { kind: p.kind, name: p.name, ...('code' in p ? { code: p.code } : {}) });
      await api.asStaff('yancheng', 'admin', 'POST', `/api/admin/partners/${org.id}/people`, { username: p.username, displayName: `${p.name.slice(-4)}经办人`, phone: p.phone, password: PASSWORD });
    }

    // The seat on duty; party A reports; the seat answers in the console.
    const desk = await actor('console');
    const seat = new Seat(desk.page, 'yancheng');
    await seat.signIn(SEAT);
    await seat.setAvailable();
    const partyA = await partySignIn(api, 'yancheng', PHONE_A);
    c = await api.call('POST', '/api/cases', { clientKey: 'yancheng-panels-e2e', report: { location: { ...TINGHU, source: 'gps', accuracyMeters: 10 }, kind: 'motor_motor', injury: 'none', channel: 'video_phone' } }, partyA.token);
    expect(await seat.acceptRinging()).toBe(c.id);

    // The 邀请 tab: party B by phone, then the insurer from the list (grouped by kind; the tow kind is not invited).
    const page = desk.page;
    await page.getByRole('tab', { name: '邀请', exact: true }).click();
    const panel = page.getByTestId('invite-panel');
    await expect(panel.getByText('尚未邀请任何人')).toBeVisible();
    await panel.getByPlaceholder('乙方手机号').fill(PHONE_B);
    await panel.getByRole('button', { name: '发送' }).click();
    await expect(panel.getByRole('status')).toHaveText('已邀请139****1912');
    const orgs = panel.locator('select[name=org]');
    await expect.poll(() => orgs.locator('optgroup').evaluateAll((gs) => gs.map((g) => (g as HTMLOptGroupElement).label))).toEqual(['保险公司', '修理厂', '调解组织']);
    await orgs.selectOption({ label: INSURER.name });
    await panel.getByRole('button', { name: '邀请', exact: true }).click();
    await expect(panel.getByRole('status')).toHaveText(`已邀请${INSURER.name}`);

    const row = (role: string) => panel.locator(`[data-testid="invitation"][data-role="${role}"]`);
    await expect(panel.getByTestId('invitation')).toHaveCount(2);
    await expect(row('party_b')).toHaveAttribute('data-status', 'pending');
    await expect(row('party_b')).toContainText('当事人乙');
    await expect(row('party_b')).toContainText('139****1912');
    await expect(row('party_b')).toContainText('待接受');
    await expect(row('insurer')).toHaveAttribute('data-status', 'pending');
    await expect(row('insurer')).toContainText(INSURER.name);
    await shot(page, 'staff-panels-seat-invited');

    // Party B got the link by SMS (the case number with it); so did the insurer's person.
    const toB = (await sms(api, PHONE_B)).find((t) => inviteLink(t));
    expect(toB, 'party B was texted an invitation link').toBeTruthy();
    expect(toB).toContain(c.number);
    expect((await sms(api, INSURER.phone)).some((t) => inviteLink(t) && t.includes(c.number))).toBe(true);

    // Withdraw the insurer's: the row says so, and has no withdraw button any more; party B's stays.
    await row('insurer').getByRole('button', { name: `撤回对${INSURER.name}的邀请` }).click();
    await expect(row('insurer')).toHaveAttribute('data-status', 'revoked');
    await expect(row('insurer')).toContainText('已撤回');
    await expect(row('insurer').getByRole('button')).toHaveCount(0);
    await expect(row('party_b')).toHaveAttribute('data-status', 'pending');
    const listed = await api.asStaff<{ invitations: Array<{ role: string; status: string }> }>('yancheng', SEAT, 'GET', `/api/cases/${c.id}/invitations`);
    expect(listed.invitations.map((i) => `${i.role}:${i.status}`).sort()).toEqual(['insurer:revoked', 'party_b:pending']);
    await shot(page, 'staff-panels-seat-revoked');
  });

  test('the officer books a mediation on the case; the panel, the mediator desk and the seat case page show it', async ({ api, actor, shot }) => {
    test.setTimeout(120_000);
    const { page } = await actor('console');
    const officer = new Officer(page, 'yancheng');
    await officer.signIn();
    await page.goto(`/console/officer/cases/${c.id}`);
    await expect(page.getByTestId('officer-case-detail')).toHaveAttribute('data-number', c.number);

    const panel = page.getByTestId('mediation-panel');
    await expect(panel.getByText('尚未预约调解')).toBeVisible();
    const form = panel.getByTestId('mediation-book');
    await form.getByLabel('调解时间').fill(`${DAY}T10:30`);
    await form.getByLabel('调解组织').selectOption({ label: MEDIATOR.name });
    await form.getByLabel(INSURER.name).check();
    await shot(page, 'staff-panels-officer-booking');
    await form.getByRole('button', { name: '预约' }).click();

    const booking = panel.getByTestId('mediation-booking');
    await expect(booking).toHaveAttribute('data-status', 'scheduled');
    await expect(booking).toContainText(`${DAY} 10:30 · ${MEDIATOR.name}`);
    await expect(booking).toContainText('已预约');
    // The insurer's invitation was withdrawn, the committee never had one: the booking invited both.
    await expect(panel.getByTestId('mediation-invited')).toHaveText('已预约，并已邀请保险公司、调解员进入视频室（链接以短信发送）');
    await expect(form.getByRole('heading')).toHaveText(/^改约/); // booking again replaces this one
    await shot(page, 'staff-panels-officer-booked');
    await expect.poll(async () => (await sms(api, PHONE_A)).some((t) => t.includes('线上调解') && t.includes('10:30')), { message: 'party A is told the time by SMS' }).toBe(true);

    // The mediation committee's desk lists it.
    const mediator = await actor('console');
    await mediator.page.goto('/console/partner?tenant=yancheng');
    const login = mediator.page.getByTestId('partner-login');
    await login.locator('input[name=username]').fill(MEDIATOR.username);
    await login.locator('input[name=password]').fill(PASSWORD);
    await login.getByRole('button').click();
    await expect(mediator.page.getByTestId('partner-who')).toContainText(MEDIATOR.name);
    await mediator.page.goto('/console/mediation');
    const item = mediator.page.getByTestId('mediation-item');
    await expect(item).toHaveAttribute('data-status', 'scheduled');
    await expect(item.getByRole('heading')).toContainText(`${c.number} · ${DAY} 10:30 · 已预约`);
    await shot(mediator.page, 'staff-panels-mediator-desk');

    // The seat's case page shows the same panel.
    const desk = await actor('console');
    const seat = new Seat(desk.page, 'yancheng');
    await seat.signIn(SEAT);
    await desk.page.goto(`/console/cases/${c.id}`);
    const seatPanel = desk.page.getByTestId('mediation-panel');
    await expect(seatPanel.getByTestId('mediation-booking')).toHaveAttribute('data-status', 'scheduled');
    await expect(seatPanel.getByTestId('mediation-booking')).toContainText(MEDIATOR.name);
    await shot(desk.page, 'staff-panels-seat-case-mediation');
  });
});
