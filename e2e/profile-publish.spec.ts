// Issue 17: the city's admin publishes its profile on the admin screen — a profile with an error
// is refused whole with file:line:col; a good one shows its diff and goes live; a later version
// goes live; the earlier one is rolled back to. Screenshots of each state.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from './support/fixtures.ts';
import { Admin } from './pages/Admin.ts';

const OPS_PASSWORD = 'Operator-Quartz-5521';
const CHIEF_PASSWORD = 'Songhua-Bridge-7734';

// Before the server starts, the platform operator is made as a bureau would: `kuaichu admin create`
// on the server's database (the data folder), the password from the environment.
test.use({
  prepareData: async ({}, use) => use(async (dataDir: string) => {
    execFileSync(process.execPath, ['--import', 'tsx', 'tools/src/cli.ts', 'admin', 'create', '--tenant', 'platform', '--role', 'platform_operator', '--login', 'ops'], {
      env: { ...process.env, KUAICHU_DATA_DIR: dataDir, KUAICHU_ADMIN_PASSWORD: OPS_PASSWORD }, stdio: 'pipe',
    });
  }),
});

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

test('the platform operator publishes a city profile and creates its admin, who then signs in', async ({ actor, shot }) => {
  const { page } = await actor('console');
  await page.goto('/console/login');
  await page.getByLabel('所属城市').selectOption('platform');
  await page.getByLabel('用户名').fill('ops');
  await page.getByLabel('密码').fill(OPS_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByTestId('platform-tenants')).toBeVisible();
  await page.locator('tr[data-tenant="harbin"]').getByRole('button', { name: '管理' }).click();
  await expect(page.getByTestId('platform-chosen')).toHaveText('harbin');
  const box = page.getByTestId('profile-publish');
  await box.getByTestId('profile-file').setInputFiles({ name: 'harbin.yaml', mimeType: 'text/yaml', buffer: Buffer.from(HARBIN.replace(BUREAU, 'en: Harbin Traffic Police Detachment (ops) }')) });
  await expect(box.getByTestId('profile-diff')).toContainText('(ops)');
  await box.getByTestId('profile-activate').click();
  await expect(box.getByTestId('live-version')).toContainText('第 3 版');

  const form = page.getByTestId('platform-account');
  await form.getByLabel('用户名').fill('chief');
  await form.getByLabel('姓名').fill('张队');
  await form.getByLabel('密码').fill('password-harbin');
  await form.getByRole('button', { name: '创建账号' }).click();
  await expect(page.getByRole('alert')).toContainText('密码强度不足');
  await form.getByLabel('密码').fill(CHIEF_PASSWORD);
  await form.getByRole('button', { name: '创建账号' }).click();
  await expect(page.getByRole('status')).toContainText('已创建 chief@harbin');
  await shot(page, 'platform-onboarding');
  // The operator reads no case.
  expect((await page.request.get('/api/officer/cases')).status()).toBe(403);

  const chief = await actor('console');
  await chief.page.goto('/console/login?tenant=harbin');
  await chief.page.getByLabel('所属城市').selectOption('harbin');
  await chief.page.getByLabel('用户名').fill('chief');
  await chief.page.getByLabel('密码').fill(CHIEF_PASSWORD);
  await chief.page.getByRole('button', { name: '登录' }).click();
  await expect(chief.page.getByTestId('profile-publish').getByTestId('live-version')).toContainText('第 3 版');
});
