/**
 * The party's phone (/m/:tenant/…): what a driver at the roadside does, one method per step.
 * Locators are the accessible Chinese names (the app's default language) or data-testid. Every
 * method waits for the screen it leads to; none sleeps.
 */
import { expect, type Download, type Page } from '@playwright/test';

export type Kind = 'motor_motor' | 'motor_non_motor' | 'single_vehicle';

export interface ReportAnswers {
  /** Collision kind (default motor_motor). */
  kind?: Kind;
  /** With `manual`: the district chosen by hand. Without: the district the GPS position must be located in (checked when given). */
  district?: string;
  /** Choose the place by hand instead of waiting for GPS. */
  manual?: boolean;
  address?: string;
  /** Parties involved (default: as many as plates, at least 2 unless single-vehicle). */
  parties?: number;
  /** One plate per motor vehicle, the party's own first. */
  plates: string[];
  injury?: 'none' | 'minor' | 'serious' | 'death';
  /** Answers to the city's yes/no questions (default yes): insured, movable, licencesValid, registrationValid, plated, ownerPresent, urbanRoad. */
  insured?: boolean;
  movable?: boolean;
  licencesValid?: boolean;
  registrationValid?: boolean;
  plated?: boolean;
  ownerPresent?: boolean;
  urbanRoad?: boolean;
  /** Disqualifiers to tick (drink_driving …); none by default. */
  disqualifiers?: string[];
}

const QUESTION: Record<string, keyof ReportAnswers> = {
  all_motor_insured: 'insured', vehicles_movable: 'movable', licences_valid: 'licencesValid', registration_valid: 'registrationValid',
  plated: 'plated', owner_present: 'ownerPresent', urban_road: 'urbanRoad',
};

export class Party {
  constructor(readonly page: Page, readonly tenant: string) {}

  /** The case id of the call screen the party is on. */
  caseId(): string {
    const m = /\/call\/([^/?#]+)/.exec(this.page.url());
    if (!m) throw new Error(`not on a call screen: ${this.page.url()}`);
    return m[1]!;
  }

  /** The screen fits the phone: nothing scrolls sideways. */
  async expectNoHorizontalScroll(): Promise<void> {
    const { scroll, client } = await this.page.evaluate(() => {
      const el = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return { scroll: el.scrollWidth, client: el.clientWidth };
    });
    expect(scroll, 'the page scrolls sideways').toBeLessThanOrEqual(client);
  }

  /** Switches the language (中文 ⇄ English) with the title bar's button; waits for the page's lang attribute to change. */
  async switchLanguage(): Promise<void> {
    const html = this.page.locator('html');
    const before = await html.getAttribute('lang');
    await this.page.getByRole('button', { name: /切换语言|Switch language/ }).click();
    await expect(html).not.toHaveAttribute('lang', before ?? '');
  }

  /** Opens the start page (optionally with a query such as { channel, token }); waits for the safety screen. */
  async open(query?: Record<string, string> | string): Promise<void> {
    const q = typeof query === 'string' ? query : query ? new URLSearchParams(query).toString() : '';
    await this.page.goto(`/m/${this.tenant}${q ? `?${q.replace(/^\?/, '')}` : ''}`);
    await expect(this.page.getByRole('heading', { name: '先保安全，再快处' })).toBeVisible();
    await expect(this.page.getByText('正在通过小程序登录')).toBeHidden();
  }

  /** Taps 我已做好安全措施，开始快处; waits for the sign-in screen (or the report when already signed in). */
  async passSafety(): Promise<void> {
    await this.page.getByRole('button', { name: '我已做好安全措施，开始快处' }).click();
    await expect(this.page.getByRole('heading', { name: /手机号验证登录|填写事故信息/ })).toBeVisible();
  }

  /**
   * Phone, 获取验证码, the code from `codeProvider`, 登录并继续. From the sign-in screen, or from a
   * "sign in" prompt (网办进度 after the session ended). Waits until the app moved on (report, progress or case).
   */
  async signIn(phone: string, codeProvider: () => Promise<string>): Promise<void> {
    const heading = this.page.getByRole('heading', { name: '手机号验证登录' });
    if (!(await heading.isVisible())) await this.page.getByRole('link', { name: '手机号验证登录' }).click();
    await expect(heading).toBeVisible();
    await this.page.getByLabel('手机号码').fill(phone);
    await this.page.getByRole('button', { name: '获取验证码' }).click();
    await expect(this.page.getByRole('status').filter({ hasText: '验证码已发送' })).toBeVisible();
    await this.page.getByLabel('短信验证码').fill(await codeProvider());
    await this.page.getByRole('button', { name: '登录并继续' }).click();
    await expect(heading).toBeHidden();
    await expect(this.page.getByRole('link', { name: '网办进度' }).first()).toBeVisible();
  }

  /** Fills the report: place (GPS from the context, or a district by hand), type, plates, injury, the questions. Waits for the place to be resolved. */
  async fillReport(r: ReportAnswers): Promise<void> {
    const page = this.page;
    await expect(page.getByRole('heading', { name: '填写事故信息' })).toBeVisible();
    const location = page.getByTestId('location');
    if (r.manual) {
      const toManual = location.getByRole('button', { name: /手动选择位置/ });
      if (await toManual.isVisible()) await toManual.click();
      await location.getByLabel('事故所在区').selectOption(r.district!);
    } else {
      await expect(location.getByText(r.district ? `已定位：${r.district}` : /已定位|已获取定位/)).toBeVisible();
    }
    if (r.address) await location.getByLabel(/确认事故地点/).fill(r.address);

    const kind = r.kind ?? 'motor_motor';
    await page.locator(`input[name="kind"][value="${kind}"]`).check();
    if (kind !== 'single_vehicle') {
      const parties = r.parties ?? Math.max(2, r.plates.length + (kind === 'motor_non_motor' ? 1 : 0));
      await page.getByLabel('涉事方数量').selectOption(String(parties));
    }
    const plateInputs = page.locator('input[name^="plate-"]');
    await expect(plateInputs).toHaveCount(r.plates.length);
    for (const [i, plate] of r.plates.entries()) await plateInputs.nth(i).fill(plate);

    await page.locator(`input[name="injury"][value="${r.injury ?? 'none'}"]`).check();
    for (const q of await page.locator('fieldset[data-question]').all()) {
      const name = (await q.getAttribute('data-question'))!;
      const answer = r[QUESTION[name] ?? 'insured'] !== false;
      await q.locator(`input[value="${answer ? 'yes' : 'no'}"]`).check();
    }
    const ticks = r.disqualifiers ?? [];
    if (ticks.length) for (const d of ticks) await page.locator(`input[name="disqualifier"][value="${d}"]`).check();
    else await page.locator('input[name="disqualifier-none"]').check();
  }

  /** Taps 提交，开始视频报警; waits for the queue (eligible) or the refusal. */
  async submit(): Promise<void> {
    await this.page.getByRole('button', { name: '提交，开始视频报警' }).click();
    const choice = this.page.getByTestId('path-choice');
    await expect(this.page.getByTestId('queue').or(this.page.getByTestId('refusal')).or(choice)).toBeVisible();
    // A city offering both paths (Kunming) asks which one: these specs take the video call.
    if (await choice.isVisible()) {
      await choice.getByRole('button', { name: '视频快处：与交警视频连线' }).click();
      await expect(this.page.getByTestId('queue').or(this.page.getByTestId('refusal'))).toBeVisible();
    }
  }

  /** Submits the report and takes 事故快处 (photos) on the path choice, naming the other party's phone; waits for the guided capture. */
  async submitPhotoPath(otherPhone: string): Promise<string> {
    await this.page.getByRole('button', { name: '提交，开始视频报警' }).click();
    const photo = this.page.getByTestId('path-photo');
    await photo.getByRole('button', { name: '拍照快处：拍照后双方自行协商' }).click();
    await photo.getByLabel('对方当事人手机号').fill(otherPhone);
    await photo.getByRole('button', { name: '开始拍照' }).click();
    await expect(this.page.getByTestId('photo-capture')).toBeVisible();
    const m = /\/photo\/([^/?#]+)/.exec(this.page.url());
    if (!m) throw new Error(`not on a photo case: ${this.page.url()}`);
    return m[1]!;
  }

  /** The refusal: a reason (containing `reasonText` when given), the fallback with a tel: link, and no call — none of the party's cases is in the queue or a call. */
  async expectRefused(reasonText?: string | RegExp): Promise<void> {
    const refusal = this.page.getByTestId('refusal');
    await expect(refusal).toBeVisible();
    const reasons = refusal.getByTestId('refusal-reasons');
    await expect(reasons.locator('li').first()).toBeVisible();
    if (reasonText) await expect(reasons).toContainText(reasonText);
    await expect(refusal.getByTestId('fallback').locator('a[href^="tel:"]').first()).toBeVisible();
    await expect(this.page.getByTestId('queue')).toHaveCount(0);
    await expect(this.page).not.toHaveURL(/\/call\//);
    await expect.poll(async () => {
      const cases = await this.page.evaluate(() => fetch('/api/cases').then((r) => r.json() as Promise<Array<{ state: string }>>));
      return cases.filter((c) => ['queued', 'ringing', 'in_call'].includes(c.state)).length;
    }).toBe(0);
  }

  /** 返回修改 on the refusal screen: back to the answers (a changed report is a new report). */
  async editAfterRefusal(): Promise<void> {
    await this.page.getByRole('button', { name: /返回修改/ }).click();
    await expect(this.page.getByRole('heading', { name: '填写事故信息' })).toBeVisible();
  }

  /** Waits for the queue screen; returns the place shown (null while ringing). */
  async waitInQueue(): Promise<number | null> {
    const queue = this.page.getByTestId('queue');
    await expect(queue).toBeVisible();
    // A seat that is already free rings at once: the place may go between two reads, so it is read in one
    // step in the page (null when the call has taken over) rather than counted and then read.
    let place: string | null = null;
    await expect.poll(async () => {
      place = await this.page.evaluate(() => document.querySelector('[data-testid="queue"] [data-testid="queue-position"]')?.textContent ?? null);
      return place === null || /^\d+$/.test(place);
    }).toBe(true);
    return place === null ? null : Number(place);
  }

  /** The party's own camera preview is live (frames arriving, time advancing). */
  async expectOwnCameraLive(): Promise<void> {
    await expectPlaying(this.page, '[data-testid="own-video"]');
  }

  /** On the call: the seat's video is actually playing (a frame size and time advancing), the own preview too. */
  async waitForVideo(): Promise<void> {
    await expect(this.page.getByRole('region', { name: '视频通话' })).toBeVisible();
    await expectPlaying(this.page, '[data-testid="remote-video"]', 30_000);
    await this.expectOwnCameraLive();
  }

  /** On the call with the own camera live (the seat's picture may not have arrived). */
  async waitForCall(): Promise<void> {
    await expect(this.page.getByRole('region', { name: '视频通话' })).toBeVisible({ timeout: 30_000 });
    await this.expectOwnCameraLive();
  }

  /** 切换前置/后置摄像头: waits until the button offers the other camera. */
  async switchCamera(): Promise<void> {
    const button = this.page.getByRole('button', { name: '切换前后摄像头' });
    const before = await button.textContent();
    await button.click();
    await expect(button).not.toHaveText(before ?? '');
    await expect(button).toBeEnabled();
  }

  /** 静音 / 取消静音: waits for the pressed state to flip. */
  async toggleMute(): Promise<void> {
    const button = this.page.getByRole('button', { name: /静音/ });
    const pressed = await button.getAttribute('aria-pressed');
    await button.click();
    await expect(button).toHaveAttribute('aria-pressed', pressed === 'true' ? 'false' : 'true');
  }

  /** The recording indicator (全程录音录像) is on. */
  async expectRecording(): Promise<void> {
    await expect(this.page.getByTestId('recording')).toBeVisible({ timeout: 20_000 });
  }

  /** The seat pushed "leave the scene": 请立即撤离现场 and what happens next. */
  async expectLeaveNotice(): Promise<void> {
    const notice = this.page.getByTestId('leave-notice');
    await expect(notice).toBeVisible();
    await expect(notice.getByRole('heading', { name: '请立即撤离现场' })).toBeVisible();
    await expect(this.page.getByText(/事故认定书将以短信送达/)).toBeVisible();
  }

  /** The seat sent on-site police: the notice and what to do. */
  async expectEscalated(): Promise<void> {
    await expect(this.page.getByTestId('escalated')).toBeVisible();
  }

  /** After a drop (or a reload during the call): taps the large 继续处理; waits until the party is queued again or back in the call. */
  async resumeAfterDrop(): Promise<void> {
    const resume = this.page.getByTestId('resume');
    await expect(resume).toBeVisible({ timeout: 30_000 });
    await resume.getByRole('button', { name: '继续处理' }).click();
    await expect(resume).toBeHidden({ timeout: 30_000 });
    await expect(this.page.getByTestId('queue').or(this.page.getByRole('region', { name: '视频通话' }))).toBeVisible();
  }

  /** Simulates a lost network during the call: reloads the page (the media socket dies); waits for the 继续处理 screen. */
  async dropByReload(): Promise<void> {
    await this.page.reload();
    await expect(this.page.getByTestId('resume')).toBeVisible({ timeout: 30_000 });
  }

  /** 网办进度 (from the title bar when signed in); waits for the list, its empty state, or the sign-in prompt when the session has ended. */
  async openProgress(): Promise<void> {
    const link = this.page.getByRole('link', { name: '网办进度' }).first();
    if (await link.isVisible()) await link.click();
    else await this.page.goto(`/m/${this.tenant}/cases`);
    await expect(this.page.getByRole('heading', { name: '网办进度' })).toBeVisible();
    await expect(this.page.getByTestId('case-list').or(this.page.getByTestId('no-cases')).or(this.page.getByTestId('cases-signin'))).toBeVisible();
  }

  /** Opens a case of the list by its number; waits for its detail. */
  async openCase(number: string): Promise<void> {
    await this.page.getByTestId('case-list').locator(`a[data-number="${number}"]`).click();
    await expect(this.page.getByTestId('case-head')).toContainText(number);
  }

  /** The e-determination is shown (parties, liability, facts, the document); returns its number. */
  async expectDetermination(): Promise<string> {
    const det = this.page.getByTestId('determination');
    await expect(det).toBeVisible();
    await expect(det.locator('[data-liability]').first()).toBeVisible();
    await expect(det.getByTestId('download-pdf')).toBeVisible();
    return (await det.getByTestId('det-number').textContent())!.trim();
  }

  /** 下载认定书（PDF）: returns the download after checking it is a PDF. */
  async downloadDocument(): Promise<Download> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId('download-pdf').click()]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    return download;
  }

  /** 申请复核 with a reason; waits for the confirmation. */
  async requestReview(reason: string): Promise<void> {
    const box = this.page.getByTestId('review');
    await expect(box.getByTestId('review-deadline')).toBeVisible();
    await box.getByRole('button', { name: /申请复核/ }).click();
    await box.getByLabel('复核理由').fill(reason);
    await box.getByRole('button', { name: '提交复核申请' }).click();
    await expect(box.getByRole('status').filter({ hasText: '复核申请已提交' })).toBeVisible();
  }

  /** A review asked for after the deadline is refused, with the deadline shown. */
  async expectReviewRefused(reason = '我对认定结果有异议，请求复核。'): Promise<void> {
    const box = this.page.getByTestId('review');
    const closed = box.getByTestId('review-closed');
    if (!(await closed.isVisible())) {
      await box.getByRole('button', { name: /申请复核/ }).click();
      await box.getByLabel('复核理由').fill(reason);
      await box.getByRole('button', { name: '提交复核申请' }).click();
    }
    await expect(closed).toBeVisible();
    await expect(closed).toContainText('复核申请期限已过');
  }

  /** 一键推送理赔; waits until the insurer's row (or every row) shows 已推送 with a claim number. */
  async pushClaim(insurer?: string): Promise<void> {
    const box = this.page.getByTestId('claims');
    await box.getByRole('button', { name: '一键推送理赔' }).click();
    const rows = insurer ? box.locator(`li[data-insurer="${insurer}"]`) : box.locator('li[data-insurer]');
    for (const row of await rows.all()) await expect(row).toContainText(/已推送.*报案号/);
    await expect(box.getByRole('status')).toContainText('已全部推送');
  }
}

/** What the test reads of a <video> (the e2e code is type-checked without the DOM library). */
interface VideoLike {
  videoWidth: number;
  currentTime: number;
}

/** A <video> is playing: it has a frame size and its time advances. */
async function expectPlaying(page: Page, selector: string, timeout = 15_000): Promise<void> {
  const video = page.locator(selector);
  await expect(video).toBeVisible({ timeout });
  const read = () => video.evaluate((v) => ({ width: (v as unknown as VideoLike).videoWidth, time: (v as unknown as VideoLike).currentTime }));
  await expect.poll(async () => (await read()).width, { timeout }).toBeGreaterThan(0);
  const t0 = (await read()).time;
  await expect.poll(async () => (await read()).time, { timeout }).toBeGreaterThan(t0);
}
