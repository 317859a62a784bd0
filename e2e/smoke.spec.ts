import { test, expect } from './support/fixtures.ts';
import { at, utc } from './support/day.ts';

test('the start page lists the cities and staff reach their console; unknown addresses say 404', async ({ actor, api, shot }) => {
  const { page } = await actor('phone');
  await page.goto('/');
  await expect(page.getByRole('link', { name: /哈尔滨/ })).toBeVisible();
  await shot(page, 'home-phone');
  await page.goto('/nowhere/at/all');
  await expect(page.getByTestId('not-found')).toBeVisible();
  expect(await api.setClock(at('10:00'))).toBe(utc('10:00'));
});
