/**
 * The tenant's admin on the read-only admin page, 1440×900: the loaded city profile and its
 * validation state, and the development SMS outbox (codes and notices that were "sent").
 */
import { expect, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from '../support/server.ts';

export class Admin {
  constructor(
    readonly page: Page,
    readonly tenant = 'harbin',
  ) {}

  /** Signs in as the demo admin and waits for the admin page. */
  async signIn(username = 'admin'): Promise<void> {
    await this.page.goto(`/console/login?tenant=${this.tenant}&next=/console/admin`);
    await this.page.getByLabel('所属城市').selectOption(this.tenant);
    await this.page.getByLabel('用户名').fill(username);
    await this.page.getByLabel('密码').fill(DEMO_PASSWORD);
    await this.page.getByRole('button', { name: '登录' }).click();
    await expect(this.page.getByTestId('admin-profile')).toBeVisible();
  }

  /** Opens the admin page and waits for the profile and the outbox. */
  async open(): Promise<void> {
    await this.page.goto('/console/admin');
    await expect(this.page.getByTestId('admin-profile')).toBeVisible();
    await expect(this.page.getByTestId('sms-outbox')).not.toHaveAttribute('data-loaded', '');
  }

  /** Asserts the profile is shown as valid, with its service hours and districts. */
  async expectProfileValid(): Promise<void> {
    await expect(this.page.getByTestId('profile-valid')).toContainText('校验通过');
    await expect(this.page.getByTestId('service-hours').first()).toBeVisible();
    await expect(this.page.getByTestId('districts')).not.toBeEmpty();
  }

  /** The outbox's texts, newest first — all, or those sent to `phone` (full number) — after a fresh load. */
  async smsMessages(phone?: string): Promise<string[]> {
    const box = this.page.getByTestId('sms-outbox');
    const input = box.getByLabel('按手机号筛选');
    const before = await box.getAttribute('data-loaded');
    if (phone) {
      await input.fill(phone);
      await box.getByRole('button', { name: '筛选', exact: true }).click();
      await expect(box).toHaveAttribute('data-filter', phone);
    } else if (await box.getByRole('button', { name: '显示全部' }).isVisible()) {
      await box.getByRole('button', { name: '显示全部' }).click();
      await expect(box).toHaveAttribute('data-filter', '');
    } else {
      await box.getByRole('button', { name: '刷新' }).click();
    }
    await expect(box).not.toHaveAttribute('data-loaded', before ?? '');
    return box.getByTestId('sms-text').allTextContents();
  }

  /** The newest sign-in code sent to `phone`, as the outbox shows it. */
  async latestCode(phone: string): Promise<string> {
    await this.smsMessages(phone);
    const otp = this.page.locator('[data-testid="sms-message"][data-kind="otp"]').first();
    await expect(otp).toBeVisible();
    const code = /(?<!\d)(\d{6})(?!\d)/.exec((await otp.getByTestId('sms-text').textContent()) ?? '')?.[1];
    if (!code) throw new Error(`no code in the newest sign-in message to ${phone}`);
    return code;
  }
}
