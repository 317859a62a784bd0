/**
 * The analysts' dashboard after a short simulation: one day of Kunming driven through the real
 * API and event path by `kuaichu simulate` (in its own process, on this spec's data folder),
 * then the server started on that folder. The tiles must show exactly what the metrics API
 * says; the CSV export carries the same figures; refresh picks up a new report without a reload.
 */
import { spawnSync } from 'node:child_process';
import type { AnalyticsMetrics, MetricSet } from '@kuaichu/core/generated/types.ts';
import { Analyst } from './pages/Analyst.ts';
import { test, expect } from './support/fixtures.ts';
import { DEMO_PASSWORD, repoRoot } from './support/server.ts';
import { at, PREVIOUS_DAY } from './support/day.ts';

/** The simulated day: Kunming's day before the suite's day (local), ending at midnight. */
const DAY = PREVIOUS_DAY;

async function simulateDay(dataDir: string): Promise<void> {
  const r = spawnSync(process.execPath, [
    'tools/bin/kuaichu.mjs', 'simulate', '--city', 'kunming', '--days', '1', '--seed', '11',
    '--end', at('00:00'), '--data-dir', dataDir, '--password', DEMO_PASSWORD,
  ], { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`kuaichu simulate failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

// A function given to test.use is a fixture: it hands the preparation over with use().
test.use({ prepareData: async ({}, use) => use(simulateDay) });

/** The tile's raw value as the page holds it (data-value), as a number or null. */
async function tileValue(page: import('@playwright/test').Page, id: string): Promise<number | null> {
  const raw = await page.getByTestId(`kpi-${id}`).getAttribute('data-value');
  return raw === '' || raw === null ? null : Number(raw);
}

const TILES: Array<[string, (m: MetricSet) => number | null]> = [
  ['reports', (m) => m.reports], ['answered', (m) => m.answered], ['serviceLevel', (m) => m.serviceLevel],
  ['speedOfAnswer', (m) => m.speedOfAnswer.mean], ['handlingTime', (m) => m.handlingTime.mean], ['abandonmentRate', (m) => m.abandonmentRate],
  ['timeOnScene', (m) => m.timeOnScene.mean], ['timeToDetermination', (m) => m.timeToDetermination.mean], ['timeToService', (m) => m.timeToService.mean],
  ['reviewRate', (m) => m.reviewRate], ['escalationRate', (m) => m.escalationRate], ['claimPushLatency', (m) => m.claimPushLatency.mean],
];

test('after a simulated day of Kunming the dashboard shows the API figures, exports them, and refreshes in place', async ({ actor, api, shot }) => {
  const analyst = () => api.asStaff<AnalyticsMetrics>('kunming', 'analyst', 'GET', `/api/analytics/metrics?from=${DAY}&to=${DAY}&groupBy=none`);
  const before = await analyst();
  expect(before.total.reports).toBeGreaterThan(5);
  expect(before.total.answered).toBeGreaterThan(0);
  expect(before.total.handlingTime.mean).not.toBeNull();

  const { page } = await actor('console');
  await new Analyst(page).signIn();
  await page.goto(`/console/dashboard?from=${DAY}&to=${DAY}`);
  await expect(page.getByTestId('kpi-reports')).toHaveAttribute('data-value', String(before.total.reports));
  for (const [id, pick] of TILES) {
    const expected = pick(before.total);
    const shown = await tileValue(page, id);
    if (expected === null) expect(shown, id).toBeNull();
    else expect(shown, id).toBeCloseTo(expected, 6);
  }
  // The map is drawn from the boundary file, the breakdowns list what the API groups.
  await expect(page.getByTestId('district-map').locator('canvas')).toHaveCount(1);
  const bySeat = await api.asStaff<AnalyticsMetrics>('kunming', 'analyst', 'GET', `/api/analytics/metrics?from=${DAY}&to=${DAY}&groupBy=seat`);
  await expect(page.getByTestId('by-seat').locator('tbody tr')).toHaveCount(bySeat.groups.length);
  await shot(page, 'dashboard-kunming-day');
  await page.getByTestId('district-map').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-kunming-map');

  // CSV export: the same period, a header row, a total row with the reports count.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-export').click()]);
  const chunks: Buffer[] = [];
  for await (const c of await download.createReadStream()) chunks.push(c as Buffer);
  const csv = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  expect(header).toMatch(/reports/);
  const totalRow = rows.find((r) => r.startsWith('total'));
  expect(totalRow, csv).toBeDefined();
  const col = header!.split(',').indexOf('reports');
  expect(Number(totalRow!.split(',')[col])).toBe(before.total.reports);

  // Refresh without reload: a new report reaches the tiles by the refresh button alone.
  await page.evaluate(() => ((window as unknown as { __stayed: boolean }).__stayed = true));
  await api.setClock(`${DAY}T15:00:00+08:00`);
  const { challenge } = await api.call<{ challenge: string }>('POST', '/api/cities/kunming/party/code', { phone: '13712340099' });
  const code = await api.smsCode('kunming', '13712340099');
  const { token } = await api.call<{ token: string }>('POST', '/api/cities/kunming/party/session', { phone: '13712340099', code, challenge });
  await api.call('POST', '/api/cases', { clientKey: '0b6f5a43-6e0b-4d7e-9a53-4c3d2f1e0a99', report: { location: { lng: 102.704, lat: 25.048 }, kind: 'motor_motor' } }, token);
  await expect.poll(async () => (await analyst()).total.reports, { timeout: 20_000 }).toBe(before.total.reports + 1);
  await page.getByTestId('refresh').click();
  await expect(page.getByTestId('kpi-reports')).toHaveAttribute('data-value', String(before.total.reports + 1));
  expect(await page.evaluate(() => (window as unknown as { __stayed?: boolean }).__stayed)).toBe(true);
});

test('an analyst of Harbin sees Harbin only: asking for Kunming is refused', async ({ api }) => {
  const res = await fetch(`${api.baseUrl}/api/analytics/metrics?tenants=kunming`, { headers: { authorization: `Bearer ${await api.staffToken('harbin', 'analyst')}` } });
  expect(res.status).toBe(403);
  const own = await api.asStaff<AnalyticsMetrics>('harbin', 'analyst', 'GET', '/api/analytics/metrics');
  expect(own.tenants).toEqual(['harbin']);
});
