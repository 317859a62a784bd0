/**
 * The analysts' dashboard on a fresh install (issue 10.1, 10.7): no simulation first. On an
 * empty store the tiles show zeros and say there are no reports yet; after one report they
 * show it — never 出错了. The period is typed and shown as 年-月-日 whatever the browser's
 * language, ends at the server's today (its clock, not the wall date: KUAICHU_E2E_DAY moves it
 * years either way), and a bad period or a failing request is explained in Chinese.
 */
import type { Page } from '@playwright/test';
import type { AnalyticsMetrics } from '@kuaichu/core/generated/types.ts';
import { Analyst } from './pages/Analyst.ts';
import { test, expect, CONSOLE_VIEWPORT } from './support/fixtures.ts';
import { DAY } from './support/day.ts';

const addDays = (day: string, n: number) => {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
};

/** No error anywhere, and the tiles drawn with these figures. */
async function expectTiles(page: Page, reports: number): Promise<void> {
  await expect(page.getByTestId('kpi-reports')).toHaveAttribute('data-value', String(reports));
  await expect(page.getByTestId('kpi-answered')).toBeVisible();
  await expect(page.getByTestId('dash-error')).toHaveCount(0);
  await expect(page.getByText('出错了')).toHaveCount(0);
}

test('empty store: tiles of zeros, the period ending at the server’s today in 年-月-日, Chinese reasons for a bad period and a failed request', async ({ actor, shot }) => {
  const { page } = await actor('console');
  await new Analyst(page).signIn();
  await expectTiles(page, 0);
  await expect(page.getByTestId('kpi-serviceLevel').locator('strong')).toHaveText('—');
  await expect(page.getByTestId('dash-empty')).toContainText('暂无报案');
  await expect(page.getByTestId('by-district')).toContainText('该时段没有数据');
  // The default period: the 30 days up to the server's today (not the browser's).
  await expect(page.locator('input[name="to"]')).toHaveValue(DAY);
  await expect(page.locator('input[name="from"]')).toHaveValue(addDays(DAY, -29));
  await expect(page.getByTestId('date-hint')).toContainText(`年-月-日，例如 ${DAY}`);
  await shot(page, 'dashboard-fresh-empty');

  // Typed periods are checked on the page, each refusal in Chinese; nothing is fetched.
  const apply = page.getByRole('button', { name: '查询' });
  await page.locator('input[name="from"]').fill('11/20/2026');
  await apply.click();
  await expect(page.getByTestId('date-hint')).toHaveText('开始日期格式不正确：请按“年-月-日”填写，例如 2026-11-23');
  await expect(page.locator('input[name="from"]')).toHaveAttribute('aria-invalid', 'true');
  await page.locator('input[name="from"]').fill(DAY);
  await page.locator('input[name="to"]').fill(addDays(DAY, 1));
  await apply.click();
  await expect(page.getByTestId('date-hint')).toHaveText(`结束日期不能晚于今天（${DAY}）`);
  await page.locator('input[name="to"]').fill(addDays(DAY, -1));
  await apply.click();
  await expect(page.getByTestId('date-hint')).toHaveText('开始日期不能晚于结束日期');
  expect(new URL(page.url()).search).toBe('');
  // Other spellings of a day are taken and shown as 年-月-日.
  await page.locator('input[name="from"]').fill(addDays(DAY, -6).replaceAll('-', '/'));
  await page.locator('input[name="to"]').fill(DAY);
  await apply.click();
  await page.waitForURL(`**/console/dashboard?from=${addDays(DAY, -6)}&to=${DAY}`);
  await expect(page.locator('input[name="from"]')).toHaveValue(addDays(DAY, -6));
  await expectTiles(page, 0);

  // A request the server refuses (an address edited by hand): one Chinese sentence, no English.
  await page.goto('/console/dashboard?from=2026-13-45');
  const error = page.getByTestId('dash-error');
  await expect(error).toHaveText(/^统计数据加载失败：/);
  expect(await error.textContent()).not.toMatch(/[A-Za-z]{2,}/);
  await expect(page.getByText('出错了')).toHaveCount(0);
});

test('an English browser still shows and takes 年-月-日', async ({ browser, server }) => {
  const context = await browser.newContext({ baseURL: server.url, viewport: CONSOLE_VIEWPORT, locale: 'en-US', timezoneId: 'America/New_York' });
  try {
    const page = await context.newPage();
    await new Analyst(page).signIn();
    await expectTiles(page, 0);
    // Chromium draws <input type="date"> in its own locale (mm/dd/yyyy here): the field is text.
    await expect(page.locator('input[name="to"]')).toHaveAttribute('type', 'text');
    await expect(page.locator('input[name="to"]')).toHaveValue(DAY);
    await expect(page.locator('input[name="from"]')).toHaveAttribute('placeholder', '年-月-日');
  } finally {
    await context.close();
  }
});

test('one case on a fresh install: the tiles, breakdowns and map show it (not 出错了)', async ({ actor, api, shot }) => {
  const phone = '13712340501';
  const { challenge } = await api.call<{ challenge: string }>('POST', '/api/cities/kunming/party/code', { phone });
  const code = await api.smsCode('kunming', phone);
  const { token } = await api.call<{ token: string }>('POST', '/api/cities/kunming/party/session', { phone, code, challenge });
  await api.call('POST', '/api/cases', { clientKey: '5d0c3a5e-7f0b-4c41-9d55-2f3c1a0e0501', report: { location: { lng: 102.704, lat: 25.048 }, kind: 'motor_motor' } }, token);
  const metrics = (groupBy: string) => api.asStaff<AnalyticsMetrics>('kunming', 'analyst', 'GET', `/api/analytics/metrics?from=${DAY}&to=${DAY}&groupBy=${groupBy}`);
  await expect.poll(async () => (await metrics('none')).total.reports, { timeout: 20_000 }).toBe(1);

  const { page } = await actor('console');
  await new Analyst(page).signIn();
  await expectTiles(page, 1);
  await expect(page.getByTestId('dash-empty')).toHaveCount(0);
  await expect(page.getByTestId('by-district').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('by-district').locator('tbody tr')).toContainText('五华区');
  // Not answered yet: the seat breakdown names that in Chinese.
  await expect(page.getByTestId('by-seat').locator('tbody tr')).toContainText('未接听（无坐席）');
  await expect(page.getByTestId('district-map').locator('canvas')).toHaveCount(1);
  await expect(page.getByTestId('chart-hours')).toBeVisible();
  await shot(page, 'dashboard-fresh-one-case');
  await page.getByTestId('district-map').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-fresh-one-case-map');
});
