/**
 * Issue 10's time bomb, through the real screens: the server's clock a year before and a year
 * after the browser's (computed from the wall clock, so this holds on any date). A seat signs in
 * at the console and a party by SMS code on the phone; each must reach the signed-in screen and
 * stay signed in across a reload. Before the fix the session cookie carried `Expires=` from the
 * server's clock, which Chromium judged by its own and dropped: the seat stayed on the login
 * page, the party on 手机号验证登录.
 */
import type { BrowserContext } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import { Party } from './pages/Party.ts';
import { Seat } from './pages/Seat.ts';

const YEAR_MS = 365 * 24 * 3600_000;
/** A point in 道里区 (cities/harbin.yaml examples). */
const DAOLI = { latitude: 45.773, longitude: 126.617 };

/** The session cookie as the browser keeps it: its expiry computed by the browser from Max-Age on its own clock. */
async function sessionCookieLeft(context: BrowserContext): Promise<number> {
  const cookie = (await context.cookies()).find((c) => c.name === 'kc_session');
  expect(cookie, 'the browser kept the session cookie').toBeTruthy();
  return cookie!.expires - Date.now() / 1000;
}

for (const [label, offset, phone] of [['a year before', -YEAR_MS, '13900000901'], ['a year after', YEAR_MS, '13900000902']] as const) {
  test(`the server clock ${label} the browser's: a seat and a party sign in through the screens and stay signed in`, async ({ actor, api, shot }) => {
    const serverNow = await api.setClock(new Date(Date.now() + offset).toISOString());
    expect(Math.abs(Date.parse(serverNow) - Date.now() - offset)).toBeLessThan(60_000);

    const desk = await actor('console');
    const seat = new Seat(desk.page, 'harbin');
    await seat.signIn('seat-daoli');
    // The staff session lasts 12 h by the browser's own clock, whatever the server's says.
    expect(Math.abs((await sessionCookieLeft(desk.context)) - 12 * 3600)).toBeLessThan(120);
    expect(await desk.page.evaluate(() => fetch('/api/me').then((r) => r.status))).toBe(200);
    await desk.page.reload();
    await seat.waitForConsole();
    await expect(desk.page).toHaveURL(/\/console\/seat/);
    await shot(desk.page, `clock-${offset < 0 ? 'before' : 'after'}-seat`);

    const phoneScreen = await actor('phone', { geolocation: DAOLI });
    const page = phoneScreen.page;
    const party = new Party(page, 'harbin');
    await party.open();
    await party.passSafety();
    await page.getByLabel('手机号码').fill(phone);
    await page.getByRole('button', { name: '获取验证码' }).click();
    // The code's lifetime as the server tells it (expiresInSeconds), not a time the phone would judge.
    await expect(page.getByRole('status').filter({ hasText: '验证码已发送' })).toContainText('5 分钟内有效');
    await page.getByLabel('短信验证码').fill(await api.smsCode('harbin', phone));
    await page.getByRole('button', { name: '登录并继续' }).click();
    await expect(page.getByRole('heading', { name: '填写事故信息' })).toBeVisible();
    expect(await page.evaluate(() => fetch('/api/me').then((r) => r.status))).toBe(200);
    expect(Math.abs((await sessionCookieLeft(phoneScreen.context)) - 24 * 3600)).toBeLessThan(120);
    // Still signed in after a reload: the report again, no sign-in screen.
    await page.reload();
    await expect(page.getByRole('heading', { name: '填写事故信息' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '手机号验证登录' })).toBeHidden();
    await shot(phoneScreen.page, `clock-${offset < 0 ? 'before' : 'after'}-party`);
  });
}
