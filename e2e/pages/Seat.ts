/**
 * The seat (接警员) at the console (/console/seat, 1440×900), driven as a person would: by the
 * screen's roles, labels and test ids. Every method waits for the visible state it leads to,
 * never for time.
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from '../support/server.ts';
import { typed } from '../support/day.ts';

export interface CheckInput {
  driverName?: string;
  idNumber?: string;
  plate?: string;
}

/**
 * A driver and a plate of each city that the development registry (plugins/registry-dev
 * fixtures) passes on any day of the suite (KUAICHU_E2E_DAY): licence valid, registration normal,
 * 交强险 in force.
 */
export const VALID_PARTY: Record<string, Required<CheckInput>> = {
  harbin: { driverName: '李娜', idNumber: '230103199007214422', plate: '黑AD56789' },
  nantong: { driverName: '赵磊', idNumber: '320612199405069131', plate: '苏FD23456' },
  kunming: { driverName: '王芳', idNumber: '530102198811052241', plate: '云A5U8M3' },
  yancheng: { driverName: '周强', idNumber: '32090319820615075X', plate: '苏J6H2P9' },
};

/**
 * The other driver of each city's test accident, checked too (the checklist counts every driver
 * and car). Their cars' 交强险 or licences may have lapsed (黑A12345's policy ended 2026-08-31):
 * a failed check is a finding on a checked car, so the checklist completes either way.
 */
export const OTHER_DRIVER: Record<string, { driverName: string; idNumber: string }> = {
  harbin: { driverName: '张伟', idNumber: '230102198503127810' },
  nantong: { driverName: '陈静', idNumber: '320602198701184524' },
  kunming: { driverName: '刘洋', idNumber: '530103199212300419' },
  yancheng: { driverName: '孙丽', idNumber: '320902199109283321' },
};

/** What completeEvidence() types into text lines it finds empty. */
const TEXT_DEFAULTS: Record<string, string> = { party_names: '李娜、张伟', accident_type: '追尾', time: typed('09:55'), place: '事故现场', plates: '黑AD56789、黑A12345' };

export class Seat {
  constructor(readonly page: Page, readonly tenant: string) {}

  /** The console's root (present once signed in as a seat). */
  get console(): Locator {
    return this.page.getByTestId('seat-console');
  }

  get callView(): Locator {
    return this.page.getByTestId('call-view');
  }

  /** Signs in at /console/login (city, username, demo password); waits for the console with its live link up. */
  async signIn(username: string, password = DEMO_PASSWORD): Promise<void> {
    await this.page.goto(`/console/login?tenant=${this.tenant}&next=${encodeURIComponent('/console/seat')}`);
    await this.page.locator('select[name="tenant"]').selectOption(this.tenant);
    await this.page.locator('input[name="username"]').fill(username);
    await this.page.locator('input[name="password"]').fill(password);
    await this.page.locator('form button[type="submit"]').click();
    await this.page.waitForURL('**/console/seat');
    await this.waitForConsole();
  }

  /** Waits for the console with a seat status and the live link connected. */
  async waitForConsole(): Promise<void> {
    await expect(this.console).toBeVisible();
    await expect(this.page.getByTestId('live-state')).toHaveClass(/online/);
    await expect(this.page.getByTestId('seat-status')).not.toHaveAttribute('data-status', 'unknown');
  }

  /** The seat's status as shown: away | available | ringing | busy. */
  async status(): Promise<string> {
    return (await this.page.getByTestId('seat-status').getAttribute('data-status')) ?? 'unknown';
  }

  /** Goes available (开始接警) unless it already is (or is ringing); waits for the status to say so. */
  async setAvailable(): Promise<void> {
    const s = await this.status();
    if (s === 'available' || s === 'ringing') return;
    await this.page.getByTestId('seat-toggle').click();
    await expect(this.page.getByTestId('seat-status')).toHaveAttribute('data-status', /available|ringing/);
  }

  /** Goes away (暂离); waits for the status. */
  async setAway(): Promise<void> {
    if ((await this.status()) === 'away') return;
    await this.page.getByTestId('seat-toggle').click();
    await expect(this.page.getByTestId('seat-status')).toHaveAttribute('data-status', 'away');
  }

  /** The queue shows a waiting case (this one, if a number is given) with a wait that is counting. */
  async expectQueued(caseNumber?: string): Promise<void> {
    const row = caseNumber ? this.page.locator(`[data-testid="queue-row"][data-case-number="${caseNumber}"]`) : this.page.getByTestId('queue-row').first();
    await expect(row).toBeVisible();
    await expect(row.getByTestId('queue-wait')).toHaveText(/^\d+:\d{2}/);
  }

  /** Waits until a call rings here (this case, if given); returns its case number. */
  async waitForRinging(caseNumber?: string): Promise<string> {
    const ring = this.page.getByTestId('ringing');
    await expect(ring).toBeVisible({ timeout: 30_000 });
    if (caseNumber) await expect(ring).toHaveAttribute('data-case-number', caseNumber);
    return (await ring.getAttribute('data-case-number'))!;
  }

  /** The ring took the keyboard focus: 接听 is focused (Enter, Space or A answers). */
  async expectAcceptFocused(): Promise<void> {
    await expect(this.page.getByTestId('accept')).toBeFocused();
  }

  /** Waits for the ring, clicks 接听 (or presses A with `keyboard`), waits for the call view; returns the case id. */
  async acceptRinging(opts: { caseNumber?: string; keyboard?: boolean } = {}): Promise<string> {
    await this.waitForRinging(opts.caseNumber);
    const id = (await this.page.getByTestId('ringing').getAttribute('data-case-id'))!;
    if (opts.keyboard) await this.page.keyboard.press('a');
    else await this.page.getByTestId('accept').click();
    await expect(this.callView).toBeVisible();
    await expect(this.callView).toHaveAttribute('data-case-id', id);
    await expect(this.page.getByTestId('checklist-line').first()).toBeVisible();
    return id;
  }

  /** The case on the call (its id), from the call view. */
  async callCaseId(): Promise<string> {
    return (await this.callView.getAttribute('data-case-id'))!;
  }

  /** Asserts the party's video is really playing: frames decoded (videoWidth > 0) and currentTime advancing. */
  async waitForPartyVideo(): Promise<void> {
    const video = this.page.getByTestId('party-video');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 30_000 }).toBeGreaterThan(0);
    const t0 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(t0 + 0.3);
    await expect(this.page.getByTestId('video-overlay')).toHaveCount(0);
  }

  /** 开启本席摄像头: the seat's own camera goes to the party too; waits for the button to read pressed. */
  async turnCameraOn(): Promise<void> {
    const toggle = this.page.getByTestId('cam-toggle');
    if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  }

  /** The call's stats show the party's video bitrate (and an RTT) from the media server. */
  async expectStats(): Promise<void> {
    await expect(this.page.getByTestId('stat-bitrate')).toHaveText(/^[1-9]\d* /, { timeout: 20_000 });
    await expect(this.page.getByTestId('stat-rtt')).toHaveText(/^\d+ /, { timeout: 20_000 });
  }

  /** A checklist line reads have/min, e.g. "1/2" (one of two drivers checked). */
  async expectLineCount(item: string, count: string): Promise<void> {
    await expect(this.line(item).locator('.n')).toHaveText(count);
  }

  /** How many items a checklist line has (the "have" of have/min). */
  async checklistCount(item: string): Promise<number> {
    const text = await this.line(item).locator('.n').textContent();
    return Number((text ?? '0/0').split('/')[0]);
  }

  /** A line of the checklist panel. */
  line(item: string): Locator {
    return this.page.locator(`[data-testid="checklist-line"][data-item="${item}"]`);
  }

  /** Tags the next capture to a checklist line (its radio in the capture bar). */
  async pickCaptureItem(item: string): Promise<void> {
    await this.page.locator(`[data-testid="capture-item"][data-item="${item}"]`).click();
    await expect(this.page.locator(`[data-testid="capture-item"][data-item="${item}"] input`)).toBeChecked();
  }

  /** 拍照取证: picks the line, clicks 拍照取证 (or presses C), waits until the checklist counts one more item for it. */
  async capturePhoto(item: string, opts: { keyboard?: boolean } = {}): Promise<void> {
    await this.pickCaptureItem(item);
    const before = await this.checklistCount(item);
    if (opts.keyboard) await this.page.keyboard.press('c');
    else await this.page.getByTestId('capture-photo').click();
    await expect.poll(() => this.checklistCount(item)).toBe(before + 1);
  }

  /** Records a clip of the party's video for a video line (V to start, V to stop); waits for it to count. */
  async recordClip(item: string, seconds = 1): Promise<void> {
    await this.pickCaptureItem(item);
    const before = await this.checklistCount(item);
    await this.page.getByTestId('capture-clip').click();
    // The clip's own timer on the video says how long it has run: at least `seconds` (a loaded machine may show
    // 0:03 before the test looks, so the timer is read, not matched to one value).
    await expect.poll(async () => {
      const m = /(\d+):(\d{2})/.exec((await this.page.getByTestId('clip-recording').textContent()) ?? '');
      return m ? Number(m[1]) * 60 + Number(m[2]) : -1;
    }).toBeGreaterThanOrEqual(seconds);
    await this.page.getByTestId('capture-clip').click();
    await expect.poll(() => this.checklistCount(item), { timeout: 20_000 }).toBe(before + 1);
  }

  /** Opens a tab of the work panel: 信息采集 (info), 自动核验 (checks), 陈述与备注 (statement). */
  async openTab(tab: 'info' | 'checks' | 'statement'): Promise<void> {
    await this.page.locator(`#tab-${tab}`).click();
    await expect(this.page.locator(`#tab-${tab}`)).toHaveAttribute('aria-selected', 'true');
  }

  /** 信息采集: fills the text lines given (item id → text) and saves them; waits until each line is ticked. */
  async fillInfo(values: Record<string, string>): Promise<void> {
    await this.openTab('info');
    for (const [item, text] of Object.entries(values)) await this.page.getByTestId(`info-${item}`).fill(text);
    await this.page.getByTestId('info-save').click();
    for (const item of Object.keys(values)) await expect(this.line(item)).toHaveAttribute('data-satisfied', 'true');
  }

  /** 自动核验: enters a driver and/or plate and runs the checks; waits until the run is over. */
  async runChecks(input: CheckInput): Promise<void> {
    await this.openTab('checks');
    const form = this.page.getByTestId('checks-form');
    if (input.driverName !== undefined) await form.locator('input[name="driverName"]').fill(input.driverName);
    if (input.idNumber !== undefined) await form.locator('input[name="driverId"]').fill(input.idNumber);
    if (input.plate !== undefined) await form.locator('input[name="plate"]').fill(input.plate);
    const before = await this.page.getByTestId('check-result').count();
    await this.page.getByTestId('run-checks').click();
    // A hang guard, not a deadline: a city with a face check runs the real model, whose first
    // comparison loads it (≈8 s on a quiet machine, far longer on 2 cores shared with the suite).
    await expect(this.page.getByTestId('run-checks')).toBeEnabled({ timeout: 180_000 });
    await expect(this.page.getByTestId('checks-error')).toHaveCount(0);
    await expect.poll(() => this.page.getByTestId('check-result').count()).toBeGreaterThan(before);
  }

  /** Every check line of the checklist is satisfied (each driver and car the line counts was checked). */
  async expectChecksDone(): Promise<void> {
    const lines = this.page.locator('[data-testid="checklist-line"][data-kind="check"]');
    for (const line of await lines.all()) await expect(line).toHaveAttribute('data-satisfied', 'true');
  }

  /**
   * Completes whatever the city's checklist still lacks, the way a seat would: photos and clips
   * from the party's video, the text lines (the report's values where filled in), the checks
   * of both drivers and cars (the city's valid test party, then the other driver with the other
   * plate on the plates line), and each party's statement. Needs the party's video.
   * OCR lines (Kunming's plate_ocr) need a photo the OCR can read and are not done here.
   */
  async completeEvidence(statement = '我在路口等红灯，被后车追尾。'): Promise<void> {
    const lines = await this.page.getByTestId('checklist-line').evaluateAll((els) =>
      els.map((e) => ({ item: e.getAttribute('data-item')!, kind: e.getAttribute('data-kind')!, done: e.getAttribute('data-satisfied') === 'true', n: e.querySelector('.n')?.textContent ?? '0/1' })));
    const texts: Record<string, string> = {};
    let checks = false;
    let statements = false;
    for (const l of lines) {
      if (l.done) continue;
      const [have, min] = l.n.split('/').map(Number) as [number, number];
      if (l.kind === 'photo') for (let i = have; i < min; i++) await this.capturePhoto(l.item);
      else if (l.kind === 'video') for (let i = have; i < min; i++) await this.recordClip(l.item);
      else if (l.kind === 'statement') statements = true;
      else if (l.kind === 'check' && l.item !== 'plate_ocr') checks = true;
      else if (l.kind === 'text') {
        await this.openTab('info');
        const value = await this.page.getByTestId(`info-${l.item}`).inputValue();
        texts[l.item] = value.trim() || TEXT_DEFAULTS[l.item] || '已与当事人核实';
      }
    }
    if (Object.keys(texts).length) await this.fillInfo(texts);
    if (statements) for (const party of await this.statementParties()) await this.fillStatement(statement, party);
    if (checks) {
      const valid = VALID_PARTY[this.tenant] ?? VALID_PARTY.harbin!;
      await this.runChecks(valid);
      await this.openTab('info');
      const plates = (await this.page.getByTestId('info-plates').inputValue()).split(/[、,，\s]+/).filter(Boolean);
      const other = plates.find((p) => p !== valid.plate);
      await this.runChecks({ ...(OTHER_DRIVER[this.tenant] ?? OTHER_DRIVER.harbin!), ...(other ? { plate: other } : {}) });
      await this.expectChecksDone();
    }
  }

  /** Each named check (driver_licence, vehicle_registration, compulsory_insurance, plate_ocr …) shows this outcome (newest result). */
  async expectChecks(expected: Record<string, boolean>): Promise<void> {
    await this.openTab('checks');
    for (const [check, ok] of Object.entries(expected)) {
      await expect(this.page.locator(`[data-testid="check-result"][data-check="${check}"]`).first()).toHaveAttribute('data-ok', ok ? 'true' : 'false');
    }
  }

  /** The parties the statement tab has a field for (the recorded names, 当事人N before). */
  async statementParties(): Promise<string[]> {
    await this.openTab('statement');
    return this.page.getByTestId('statement-form').evaluateAll((els) => els.map((e) => e.getAttribute('data-party')!));
  }

  /** 当事人陈述: types one party's account (the first field when no party is named) and saves it; waits until it reads saved. */
  async fillStatement(text: string, party?: string): Promise<void> {
    await this.openTab('statement');
    const form = party ? this.page.locator(`[data-testid="statement-form"][data-party="${party}"]`) : this.page.getByTestId('statement-form').first();
    await form.getByTestId('statement').fill(text);
    await form.getByTestId('statement-save').click();
    await expect(form.locator('.state.ok')).toBeVisible();
  }

  /** 坐席备注: saves a note into the case's evidence chain; waits for it in the saved list. */
  async addNote(text: string): Promise<void> {
    await this.openTab('statement');
    await this.page.getByTestId('notes').fill(text);
    await this.page.getByTestId('notes-save').click();
    await expect(this.page.getByTestId('saved-notes')).toContainText(text);
  }

  /**
   * 话后备注: from the notice left by the call that just ended, opens the case's page and adds a
   * note there; waits for it to be listed. Ends on the case page.
   */
  async addAfterCallNote(text: string): Promise<void> {
    await this.page.getByTestId('after-call-link').click();
    await this.page.waitForURL('**/console/cases/**');
    await this.page.getByTestId('after-call-note').fill(text);
    await this.page.getByTestId('after-call-save').click();
    await expect(this.page.getByTestId('case-notes')).toContainText(text);
  }

  /** The checklist says complete, and 通知撤离现场 is enabled. */
  async expectChecklistComplete(): Promise<void> {
    await expect(this.page.getByTestId('checklist')).toHaveAttribute('data-complete', 'true');
    await expect(this.page.getByTestId('leave-scene')).toBeEnabled();
  }

  /** 通知撤离现场 is disabled and the missing items are shown next to it. */
  async expectLeaveBlocked(): Promise<void> {
    await expect(this.page.getByTestId('leave-scene')).toBeDisabled();
    await expect(this.page.getByTestId('leave-missing')).toContainText(/还缺|missing/);
  }

  /** 通知撤离现场 → confirm; waits until the console is back at the queue with the notice. */
  async leaveScene(notes?: string): Promise<void> {
    await this.page.getByTestId('leave-scene').click();
    const dialog = this.page.getByTestId('leave-dialog');
    await expect(dialog).toBeVisible();
    if (notes) await dialog.locator('textarea[name="notes"]').fill(notes);
    await this.page.getByTestId('leave-confirm').click();
    await expect(this.callView).toHaveCount(0);
    await expect(this.page.getByTestId('seat-notice')).toContainText(/撤离|leave/);
  }

  /** 转现场处置 with a reason → confirm; waits until the console is back at the queue with the notice. */
  async escalate(reason: string): Promise<void> {
    await this.page.getByTestId('escalate').click();
    const dialog = this.page.getByTestId('escalate-dialog');
    await expect(dialog).toBeVisible();
    await this.page.getByTestId('escalate-reason').fill(reason);
    await this.page.getByTestId('escalate-confirm').click();
    await expect(this.callView).toHaveCount(0);
    await expect(this.page.getByTestId('seat-notice')).toContainText(/现场处置|on-site/);
  }

  /** The party dropped: the console is back at the queue and says the call dropped (this case, if given). */
  async expectCallDropped(caseNumber?: string): Promise<void> {
    await expect(this.page.getByTestId('call-dropped')).toBeVisible({ timeout: 30_000 });
    if (caseNumber) await expect(this.page.getByTestId('call-dropped')).toContainText(caseNumber);
    await expect(this.callView).toHaveCount(0);
  }

  /** Opens /console/cases/:id (the staff case page; another city's case shows the 404 page). */
  async openCaseByUrl(id: string): Promise<void> {
    await this.page.goto(`/console/cases/${encodeURIComponent(id)}`);
  }
}
