import { test, expect } from './support/fixtures.ts';
import { at, utc } from './support/day.ts';

test('the start page lists the cities and staff reach their console; unknown addresses say 404', async ({ actor, api, shot }) => {
  const { page } = await actor('phone');
  await page.goto('/');
  await expect(page.getByRole('link', { name: /哈尔滨/ })).toBeVisible();
  // Drafts (init-city, issue 17) are listed apart as not yet live, never as a link to report.
  await expect(page.getByTestId('draft-cities')).toContainText('无锡');
  await expect(page.getByRole('link', { name: /无锡/ })).toHaveCount(0);
  await shot(page, 'home-phone');
  await page.goto('/m/wuxi');
  await expect(page.getByTestId('city-not-live')).toContainText('尚未开通');
  await expect(page.getByRole('link', { name: /122/ })).toHaveAttribute('href', 'tel:122');
  await shot(page, 'draft-city-phone');
  await page.goto('/nowhere/at/all');
  await expect(page.getByTestId('not-found')).toBeVisible();
  expect(await api.setClock(at('10:00'))).toBe(utc('10:00'));
});

test('pages and the API docs load under the security headers, with nothing blocked by the CSP', async ({ actor, shot }) => {
  const { page } = await actor('console');
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  const home = await page.goto('/');
  const headers = home!.headers();
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['strict-transport-security'], 'no HSTS outside production').toBeUndefined();
  await expect(page.getByRole('link', { name: /哈尔滨/ })).toBeVisible();
  for (const path of ['/m/harbin', '/console/login']) {
    await page.goto(path);
    await expect(page.locator('#app > *').first()).toBeVisible();
  }
  await page.goto('/docs');
  await expect(page.locator('.swagger-ui .info .title')).toContainText('kuaichu');
  await expect(page.locator('.swagger-ui .opblock').first()).toBeVisible();
  await shot(page, 'docs-under-csp');
  expect(errors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);
});
