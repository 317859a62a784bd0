// Issue 17: the city's admin publishes its profile on the admin screen — a profile with an error
// is refused whole with file:line:col; a good one shows its diff and goes live; a later version
// goes live; the earlier one is rolled back to. Screenshots of each state.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from './support/fixtures.ts';
import { Admin } from './pages/Admin.ts';

// Playwright runs from the repository root.
const HARBIN = readFileSync(path.resolve('cities/harbin.yaml'), 'utf8');
const BUREAU = 'en: Harbin Traffic Police Detachment }';

test('an admin publishes, activates and rolls back the city profile on the admin screen', async ({ actor, shot }) => {
  const { page } = await actor('console');
  const admin = new Admin(page);
  await admin.signIn();
  const box = page.getByTestId('profile-publish');
  await expect(box.getByTestId('live-version')).toContainText('随程序发布的配置文件');
  const upload = (name: string, text: string) => box.getByTestId('profile-file').setInputFiles({ name, mimeType: 'text/yaml', buffer: Buffer.from(text) });

  // An error: refused whole, at its line and column; nothing kept.
  const bad = HARBIN.replace('windowDays: 3', 'windowDays: -1');
  const line = bad.split('\n').findIndex((l) => l.includes('windowDays: -1')) + 1;
  await upload('harbin.yaml', bad);
  await expect(box.getByTestId('profile-problems')).toContainText(`harbin.yaml:${line}:`);
  await expect(box.getByTestId('profile-problems')).toContainText('review.windowDays');
  await expect(box.getByTestId('profile-versions')).toHaveCount(0);
  await shot(page, 'profile-publish-refused');

  // A good one: its diff, then live at once.
  await upload('harbin.yaml', HARBIN.replace(BUREAU, 'en: Harbin Traffic Police Detachment (v1) }'));
  await expect(box.getByTestId('profile-checked')).toContainText('配置示例全部通过');
  await expect(box.getByTestId('profile-diff')).toContainText('+bureau:');
  await shot(page, 'profile-publish-diff');
  await box.getByTestId('profile-activate').click();
  await expect(box.getByTestId('live-version')).toContainText('第 1 版');

  // A second version goes live; then the rollback to the first.
  await upload('harbin.yaml', HARBIN.replace(BUREAU, 'en: Harbin Traffic Police Detachment (v2) }'));
  await expect(box.getByTestId('profile-diff')).toContainText('(v2)');
  await box.getByTestId('profile-activate').click();
  await expect(box.getByTestId('live-version')).toContainText('第 2 版');
  await expect(box.locator('tr[data-version="2"]')).toContainText('生效中');
  await box.getByTestId('activate-1').click();
  await expect(box.getByTestId('live-version')).toContainText('第 1 版');
  await expect(box.locator('tr[data-version="1"]')).toContainText('生效中');
  await shot(page, 'profile-publish-rolled-back');
  const cities = await (await page.request.get('/api/cities')).json() as Array<{ tenant: string; bureau: { en: string } }>;
  expect(cities.find((c) => c.tenant === 'harbin')!.bureau.en).toBe('Harbin Traffic Police Detachment (v1)');
});
