/**
 * The officer (民警) at the determination desk (定责), 1440×900: sign in, find a case waiting
 * for a determination, check its evidence, determine liability, issue, decide reviews.
 * Every method waits on what the screen shows, never on time.
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from '../support/server.ts';

export type Liability = 'full' | 'primary' | 'equal' | 'secondary' | 'none';
export interface PartyInput {
  liability: Liability;
  /**
   * The fault behaviour, replacing what the form had: the common behaviour with this exact (zh)
   * text is ticked, any other text is typed as the officer's own words; '' or '无' clears it.
   * Left out, the form keeps what it has.
   */
  fault?: string;
  name?: string;
  plate?: string;
  /** A phone to serve this party by SMS too. */
  phone?: string;
}
export interface DeterminationInput {
  parties: PartyInput[];
  /** Replaces the drafted facts when given. */
  facts?: string;
}

const GRADE_ZH: Record<Liability, string> = { full: '全部', primary: '主要', equal: '同等', secondary: '次要', none: '无责任' };

export class Officer {
  constructor(
    readonly page: Page,
    readonly tenant = 'harbin',
  ) {}

  /** Signs in as the demo officer (or `username`) and waits for the desk. */
  async signIn(username = 'officer'): Promise<void> {
    await this.page.goto(`/console/login?tenant=${this.tenant}&next=/console/officer`);
    await this.page.getByLabel('所属城市').selectOption(this.tenant);
    await this.page.getByLabel('用户名').fill(username);
    await this.page.getByLabel('密码').fill(DEMO_PASSWORD);
    await this.page.getByRole('button', { name: '登录' }).click();
    await expect(this.page.getByRole('heading', { name: '定责工作台' })).toBeVisible();
  }

  /** Opens the desk's list of waiting cases. */
  async openQueue(): Promise<void> {
    await this.page.goto('/console/officer');
    await expect(this.page.getByRole('heading', { name: '定责工作台' })).toBeVisible();
  }

  /** A list row, on the desk's list (or, beside an open case, in the rail). */
  private row(caseNumber: string, group: 'determine' | 'review'): Locator {
    return this.page.getByTestId(`officer-queue-${group}`).locator(`[data-testid="officer-case"][data-number="${caseNumber}"]`);
  }

  /** Waits until the case is listed under 待定责 (live, no reload) with a ticking age; returns the age shown. */
  async expectAwaiting(caseNumber: string): Promise<string> {
    const row = this.row(caseNumber, 'determine');
    await expect(row).toBeVisible();
    const age = row.getByTestId('case-age');
    await expect(age).toHaveText(/^\d+:\d{2}(:\d{2})?$|天/);
    const first = await age.textContent();
    await expect(age).not.toHaveText(first!, { timeout: 5_000 }); // it ticks
    return (await age.textContent())!;
  }

  /** Waits until the case is listed under 复核申请. */
  async expectReviewRequested(caseNumber: string): Promise<void> {
    await expect(this.row(caseNumber, 'review')).toBeVisible();
  }

  /** Opens the case from the desk's list (going to the list first if needed) and waits for its evidence. */
  async openCase(caseNumber: string): Promise<void> {
    if (!(await this.page.getByTestId('officer-queue-determine').isVisible())) await this.openQueue();
    const link = this.page.locator(`[data-testid="officer-case"][data-number="${caseNumber}"]`).getByRole('link', { name: caseNumber });
    await link.click();
    await expect(this.page.getByTestId('officer-case-detail')).toHaveAttribute('data-number', caseNumber);
  }

  /** Opens a case directly by its id. */
  async openCaseById(id: string): Promise<void> {
    await this.page.goto(`/console/officer/cases/${id}`);
    await expect(this.page.getByTestId('officer-case-detail')).toBeVisible();
  }

  /**
   * Asserts at least `photos` photos are shown and every one decoded (naturalWidth > 0); with
   * `recording`, that the call's recording is in the page and can play (readyState ≥ 2, duration > 0);
   * with `videos`, that many clips, each playable.
   */
  async expectEvidence(opts: { photos?: number; recording?: boolean; videos?: number }): Promise<void> {
    const photos = this.page.getByTestId('evidence-photo');
    if (opts.photos) {
      await expect.poll(() => photos.count()).toBeGreaterThanOrEqual(opts.photos);
      for (const img of await photos.all()) {
        await img.scrollIntoViewIfNeeded();
        await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))).toBeGreaterThan(0);
      }
    }
    const playable = async (video: Locator) => {
      await video.scrollIntoViewIfNeeded();
      const media = () => video.evaluate((v: HTMLMediaElement) => ({ readyState: v.readyState, duration: v.duration, error: v.error?.code ?? null }));
      await expect.poll(async () => (await media()).readyState, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      const state = await media();
      expect(state.error).toBeNull();
      // A recording streamed by MediaRecorder may not state its length (Infinity) until played through: still > 0.
      expect(state.duration).toBeGreaterThan(0);
    };
    if (opts.recording) {
      const rec = this.page.getByTestId('evidence-recording');
      await expect(rec.first()).toBeVisible();
      for (const v of await rec.all()) await playable(v);
    }
    if (opts.videos) {
      const clips = this.page.getByTestId('evidence-video');
      await expect.poll(() => clips.count()).toBeGreaterThanOrEqual(opts.videos);
      for (const v of await clips.all()) await playable(v);
    }
  }

  /** Asserts the evidence chain is intact ("证据链完整") and shows its 64-hex head hash; returns it. */
  async expectChainIntact(): Promise<string> {
    const state = this.page.getByTestId('chain-state');
    await expect(state).toHaveAttribute('data-ok', 'true');
    await expect(state).toContainText('证据链完整');
    const head = this.page.getByTestId('chain-head');
    await expect(head).toHaveText(/^[0-9a-f]{64}$/);
    return (await head.textContent())!;
  }

  /** Opens a photo large and closes it again (Esc). */
  async viewPhoto(index = 0): Promise<void> {
    await this.page.getByTestId('evidence-photo').nth(index).click();
    const viewer = this.page.getByTestId('photo-viewer');
    await expect(viewer).toBeVisible();
    await expect.poll(() => viewer.getByTestId('viewer-image').evaluate((el: HTMLImageElement) => el.naturalWidth)).toBeGreaterThan(0);
  }

  async closePhoto(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await expect(this.page.getByTestId('photo-viewer')).toBeHidden();
  }

  /** The form's fieldset of party i (0 = 甲方). */
  private party(i: number): Locator {
    return this.page.getByTestId(`party-${i}`);
  }

  /** Fills the determination form (it stays on the form; nothing is sent). */
  async fillDetermination(input: DeterminationInput): Promise<void> {
    const form = this.page.getByTestId('determination-form');
    await expect(form).toBeVisible();
    if (input.facts !== undefined) await form.getByLabel('事故事实').fill(input.facts);
    for (const [i, p] of input.parties.entries()) {
      const fs = this.party(i);
      if (p.name !== undefined) await fs.getByLabel('姓名').fill(p.name);
      if (p.plate !== undefined) await fs.getByLabel('号牌号码').fill(p.plate);
      if (p.phone !== undefined) await fs.getByLabel(/送达手机/).fill(p.phone);
      await fs.getByRole('radio', { name: GRADE_ZH[p.liability], exact: true }).check();
      if (p.fault !== undefined) {
        for (const box of await fs.getByRole('checkbox', { checked: true }).all()) await box.uncheck();
        const other = fs.getByLabel('其他过错行为（补充）');
        await other.fill('');
        const chip = fs.getByRole('checkbox', { name: p.fault, exact: true });
        if (p.fault === '' || p.fault === '无') {
          // no fault
        } else if (await chip.count()) await chip.check();
        else await other.fill(p.fault);
      }
    }
  }

  /** Asks for the preview; returns true when the preview shows, false when the form listed problems. */
  async preview(): Promise<boolean> {
    await this.page.getByRole('button', { name: '预览认定书' }).click();
    const preview = this.page.getByTestId('determination-preview');
    const problems = this.page.getByTestId('determination-problems');
    await expect(preview.or(problems)).toBeVisible();
    return preview.isVisible();
  }

  /** Asserts the form lists a problem containing `text` (and did not send anything). */
  async expectDeterminationProblem(text: string | RegExp): Promise<void> {
    await expect(this.page.getByTestId('determination-problems')).toContainText(text);
    await expect(this.page.getByTestId('determination-preview')).toBeHidden();
  }

  /** From the preview: issues and serves; waits until the form gives way to the issued document (or throws the server's refusal). */
  async issue(): Promise<void> {
    await this.page.getByRole('button', { name: '签发并送达' }).click();
    const form = this.page.getByTestId('determination-form');
    const refused = this.page.getByTestId('determination-api-error');
    await expect(refused.or(this.page.locator('[data-testid="determination-issued"][data-superseded="false"]'))).toBeVisible();
    if (await refused.isVisible()) throw new Error(`the server refused the determination: ${await refused.textContent()}`);
    await expect(form).toBeHidden();
  }

  /** Fills the form, previews and issues (throws if the form or the server refuses). */
  async determine(input: DeterminationInput): Promise<void> {
    await this.fillDetermination(input);
    if (!(await this.preview())) throw new Error(`the form refused: ${await this.page.getByTestId('determination-problems').textContent()}`);
    await this.issue();
  }

  /** Asserts the determination is issued and served; returns its number (HRB-2026-000001 …). */
  async expectIssued(): Promise<string> {
    const panel = this.page.locator('[data-testid="determination-issued"][data-superseded="false"]');
    await expect(panel).toBeVisible();
    const number = panel.getByTestId('determination-number');
    await expect(number).toHaveText(/^[A-Z]+-\d{4}-\d{6}$/);
    await expect(panel.getByTestId('served-state')).toHaveAttribute('data-served', 'true');
    await expect(panel.getByTestId('document-link')).toHaveAttribute('href', /\/api\/cases\/.+\/document\.pdf$/);
    await expect(panel.getByTestId('verify-link')).toHaveAttribute('href', /\/verify\/\w+/);
    return (await number.textContent())!;
  }

  /** Decides the open review on the open case (waits for it to arrive live), confirms, and waits for the outcome. */
  async decideReview(outcome: 'upheld' | 'revised'): Promise<void> {
    const open = this.page.getByTestId('review-open');
    await expect(open).toBeVisible();
    await open.getByRole('button', { name: outcome === 'upheld' ? '维持原认定' : '撤销原认定，重新认定' }).click();
    await open.getByRole('button', { name: '确认' }).click();
    await expect(this.page.locator(`[data-testid="review"][data-outcome="${outcome}"]`)).toBeVisible();
    await expect(this.page.getByTestId('case-state')).toHaveText('复核已办结');
  }
}
