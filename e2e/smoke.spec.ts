import { test, expect } from './support/fixtures.ts';

test('the start page lists the cities and staff reach their console; unknown addresses say 404', async ({ actor, api, shot }) => {
  const { page } = await actor('phone');
  await page.goto('/');
  await expect(page.getByRole('link', { name: /哈尔滨/ })).toBeVisible();
  await shot(page, 'home-phone');
  await page.goto('/nowhere/at/all');
  await expect(page.getByTestId('not-found')).toBeVisible();
  expect(await api.setClock('2026-11-23T10:00:00+08:00')).toBe('2026-11-23T02:00:00.000Z');
});
