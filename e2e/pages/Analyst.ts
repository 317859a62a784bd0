/**
 * The analyst at the dashboard (/console/dashboard): signing in by the login form's fields.
 */
import type { Page } from '@playwright/test';
import { DEMO_PASSWORD } from '../support/server.ts';

export class Analyst {
  constructor(
    readonly page: Page,
    readonly tenant = 'kunming',
  ) {}

  /** Signs in as the demo analyst and waits for the dashboard. */
  async signIn(username = 'analyst'): Promise<void> {
    const page = this.page;
    await page.goto(`/console/login?tenant=${this.tenant}`);
    await page.locator('select[name="tenant"]').selectOption(this.tenant);
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill(DEMO_PASSWORD);
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL('**/console/dashboard');
  }
}
