/**
 * Issues 11.1, 11.7 and 10.5: when sign-in is refused for too many tries, the screen says so in
 * Chinese and says how long to wait — never the same "wrong code" as before.
 */
import { test, expect } from './support/fixtures.ts';
import { Party } from './pages/Party.ts';
import { DEMO_PASSWORD } from './support/server.ts';

test('the party: five wrong codes void the code, and the app says to request a new one in 1 minute', async ({ actor, api, shot }) => {
  const { page } = await actor('phone');
  const party = new Party(page, 'harbin');
  await party.open();
  await party.passSafety();
  const phone = '13900770001';
  await page.getByLabel('手机号码').fill(phone);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await expect(page.getByRole('status').filter({ hasText: '验证码已发送' })).toBeVisible();
  const right = await api.smsCode('harbin', phone);
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
  const code = page.getByLabel('短信验证码');
  for (const left of [4, 3, 2, 1]) {
    await code.fill(wrong);
    await page.getByRole('button', { name: '登录并继续' }).click();
    await expect(page.getByText(`验证码错误，还可尝试 ${left} 次`)).toBeVisible();
  }
  await code.fill(wrong);
  await page.getByRole('button', { name: '登录并继续' }).click();
  await expect(page.getByText('尝试次数过多，该验证码已失效。请在 1 分钟后重新获取验证码。')).toBeVisible();
  // The send button waits out the same minute (it counts down instead of offering a new code).
  await expect(page.getByRole('button', { name: /秒后重发/ })).toBeDisabled();
  await shot(page, 'party-signin-too-many-tries');
});

test('staff: the fifth wrong password locks the account, the sign-in page says for how long; an admin unlocks it', async ({ actor, api, shot }) => {
  const { page } = await actor('console');
  await page.goto('/console/login?tenant=harbin');
  await page.getByLabel('所属城市').selectOption('harbin');
  await page.getByLabel('用户名').fill('analyst');
  for (let i = 0; i < 4; i++) {
    await page.getByLabel('密码').fill(`wrong-${i}`);
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page.getByRole('alert')).toHaveText('用户名或密码错误');
    // The same alert again: wait for the request to finish before the next try.
    await expect(page.getByRole('button', { name: '登录' })).toBeEnabled();
  }
  await page.getByLabel('密码').fill('wrong-4');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('alert')).toHaveText('登录失败次数过多，该账号已被临时锁定，请在 1 分钟后再试，或联系管理员解锁。');
  // The right password does not open a locked account.
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('alert')).toContainText('账号已被临时锁定');
  await shot(page, 'staff-login-locked');

  const unlocked = await api.asStaff<{ wasLocked: boolean }>('harbin', 'admin', 'POST', '/api/admin/staff/analyst/unlock');
  expect(unlocked.wasLocked).toBe(true);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL('**/console/dashboard');
});
