// Issue 17, "done when": a bureau goes live without a developer, from an EMPTY database (no demo
// staff: KUAICHU_DEMO_SEED=off; only the platform operator, made by `kuaichu admin create`). The
// test runs `kuaichu init-city 无锡` itself (into a temporary folder); the operator uploads that
// draft, made active, on the publish screen — kept as version 1 with its diff shown — then
// activates it as a separate step and creates Wuxi's admin. The admin creates a brigade, two seats
// (passwords shown once) and their shifts on the roster screen. A party reports from the party app
// in 梁溪区: the seat off shift, signed in and free, is shown the case waiting but never offered it
// (the supervisor wallboard shows it waiting); the seat on shift signs in and answers it. The audit
// log lists every step. Screenshots of each stage.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import { Seat } from './pages/Seat.ts';
import { Party } from './pages/Party.ts';
import { at, DAY } from './support/day.ts';

const OPS_PASSWORD = 'Operator-Quartz-5521';
const CHIEF_PASSWORD = 'Taihu-Lake-Bridge-8817';
const TENANT = 'wuxi';
/** A point in 梁溪区 as a phone reports it (WGS-84; the init-city profile's own example). */
const LIANGXI = { longitude: 120.29851, latitude: 31.568058 };
const PHONE = '13900001701';
/** The suite's day as the roster names weekdays (Beijing time). */
const WEEKDAY = (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[new Date(`${DAY}T12:00:00+08:00`).getUTCDay()]!;

test.use({
  serverEnv: { KUAICHU_DEMO_SEED: 'off' },
  prepareData: async ({}, use) => use(async (dataDir: string) => {
    execFileSync(process.execPath, ['--import', 'tsx', 'tools/src/cli.ts', 'admin', 'create', '--tenant', 'platform', '--role', 'platform_operator', '--login', 'ops'], {
      env: { ...process.env, KUAICHU_DATA_DIR: dataDir, KUAICHU_ADMIN_PASSWORD: OPS_PASSWORD }, stdio: 'pipe',
    });
  }),
});

/**
 * `kuaichu init-city 无锡 --dev` as the operator runs it, into a fresh folder; returns the draft.
 * The server checks a published profile's boundaries against its own cities/geo, so the map
 * init-city drew must be the one the server has.
 */
function initCityDraft(): string {
  const out = mkdtempSync(path.join(os.tmpdir(), 'kuaichu-init-city-'));
  try {
    const printed = execFileSync(process.execPath, ['--import', 'tsx', 'tools/src/cli.ts', 'init-city', '无锡', '--dev', '--out', out], { encoding: 'utf8', stdio: 'pipe' });
    expect(printed).toContain('draft for wuxi, 5 districts served');
    expect(readFileSync(path.join(out, 'geo', 'wuxi.geojson'), 'utf8')).toBe(readFileSync(path.resolve('cities/geo/wuxi.geojson'), 'utf8'));
    return readFileSync(path.join(out, 'wuxi.yaml'), 'utf8');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function signIn(page: Page, tenant: string, username: string, password: string): Promise<void> {
  await page.goto(`/console/login?tenant=${tenant}`);
  await page.getByLabel('所属城市').selectOption(tenant);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

/** One weekly shift for a seat, entered on the roster screen (坐席排班) and saved. */
async function addShift(page: Page, username: string, starts: string, ends: string): Promise<void> {
  const row = page.getByTestId(`roster-${username}`);
  await row.getByRole('button', { name: '编辑' }).click();
  const editor = row.getByTestId('roster-editor');
  await editor.getByRole('button', { name: '添加班次' }).click();
  await editor.getByLabel('星期').selectOption(WEEKDAY);
  await editor.getByLabel('开始').fill(starts);
  await editor.getByLabel('结束').fill(ends);
  await editor.getByRole('button', { name: '保存' }).click();
  await expect(editor).toHaveCount(0);
  await expect(row.locator('.shifts')).toContainText(`${starts}–${ends}`);
}

test('a bureau goes live from an empty database: init-city, publish then activate, admin, brigade, seats and their shifts, a call answered on shift, the audit log', async ({ actor, api, shot }) => {
  test.setTimeout(300_000);
  await api.setClock(at('10:00'));
  // Empty: nobody of any city can sign in with the demo password.
  const refused = await fetch(`${api.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'harbin', username: 'admin', password: 'e2e-demo-password' }) });
  expect(refused.status).toBe(401);

  // 1. The operator scaffolds Wuxi with init-city; to go live its author sets `status: active`.
  const draft = initCityDraft();
  expect(draft).toMatch(/^status: draft$/m);
  const live = draft.replace(/^status: draft$/m, 'status: active');

  // 2. The operator publishes it (a kept version, its diff shown), then activates it, and creates its admin.
  const ops = await actor('console');
  await signIn(ops.page, 'platform', 'ops', OPS_PASSWORD);
  const wuxiRow = ops.page.locator(`tr[data-tenant="${TENANT}"]`);
  await expect(wuxiRow).toContainText('草稿');
  await wuxiRow.getByRole('button', { name: '管理' }).click();
  const box = ops.page.getByTestId('profile-publish');
  await expect(box.getByTestId('live-version')).toContainText('cities/wuxi.yaml');
  await box.getByTestId('profile-file').setInputFiles({ name: 'wuxi.yaml', mimeType: 'text/yaml', buffer: Buffer.from(live) });
  await expect(box.getByTestId('profile-checked')).toContainText('配置示例全部通过');
  await expect(box.getByTestId('profile-diff')).toContainText('+status: active');
  await expect(box.getByTestId('profile-diff')).toContainText('+  - { plugin: sms-dev');
  await shot(ops.page, 'bureau-live-1a-diff');
  await box.getByTestId('profile-keep').click();
  // Kept, not live: the city is still the draft.
  await expect(box.locator('tr[data-version="1"]')).toBeVisible();
  await expect(box.locator('tr[data-version="1"]')).not.toContainText('生效中');
  await expect(box.getByTestId('live-version')).toContainText('cities/wuxi.yaml');
  await expect(wuxiRow).toContainText('草稿');
  await shot(ops.page, 'bureau-live-1b-kept');
  await box.getByTestId('activate-1').click();
  await expect(box.getByTestId('live-version')).toContainText('第 1 版');
  await expect(box.locator('tr[data-version="1"]')).toContainText('生效中');
  await expect(wuxiRow).not.toContainText('草稿');
  await expect(wuxiRow).toContainText('第 1 版');
  const form = ops.page.getByTestId('platform-account');
  await form.getByLabel('用户名').fill('wx-chief');
  await form.getByLabel('姓名').fill('钱队');
  await form.getByLabel('密码').fill(CHIEF_PASSWORD);
  await form.getByRole('button', { name: '创建账号' }).click();
  await expect(ops.page.getByRole('status')).toContainText(`已创建 wx-chief@${TENANT}`);
  await shot(ops.page, 'bureau-live-2-activated');

  // 3. The admin: a brigade for 梁溪区, two seats (passwords shown once), their shifts on the roster screen.
  const chief = await actor('console');
  await signIn(chief.page, TENANT, 'wx-chief', CHIEF_PASSWORD);
  await expect(chief.page.getByTestId('profile-publish').getByTestId('live-version')).toContainText('第 1 版');
  await chief.page.getByTestId('admin-tab-brigades').click();
  const brigades = chief.page.getByTestId('brigades');
  await expect(brigades.locator('[data-testid="brigade-row"][data-id="liangxi"]')).toBeVisible();
  const newBrigade = brigades.getByTestId('brigade-create');
  await newBrigade.locator('input[name="id"]').fill('lx-center');
  await newBrigade.locator('input[name="nameZh"]').fill('梁溪中心大队');
  await newBrigade.locator('input[name="district"][value="梁溪区"]').check();
  await newBrigade.getByRole('button', { name: '新建大队' }).click();
  await expect(brigades.locator('[data-testid="brigade-row"][data-id="lx-center"]')).toContainText('梁溪区');
  await expect(brigades.locator('[data-testid="brigade-row"][data-id="liangxi"] .chip')).toHaveCount(0);
  await shot(chief.page, 'bureau-live-3-brigade');

  await chief.page.getByTestId('admin-tab-staff').click();
  const staff = chief.page.getByTestId('staff-accounts');
  const passwords: Record<string, string> = {};
  for (const [username, name] of [['seat-on', '孙接警'], ['seat-off', '周接警']] as const) {
    const create = staff.getByTestId('staff-create');
    await create.locator('input[name="username"]').fill(username);
    await create.locator('input[name="displayName"]').fill(name);
    await create.locator('select[name="brigadeId"]').selectOption('lx-center');
    await create.getByRole('button', { name: '新建账号' }).click();
    await expect(staff.getByTestId('password-once')).toContainText(username);
    passwords[username] = (await staff.getByTestId('password-once').locator('code').textContent())!.trim();
    expect(passwords[username]).toMatch(/^[A-Za-z2-9]{16}$/);
  }
  await expect(staff.locator('[data-testid="staff-row"][data-username="seat-on"]')).toContainText('梁溪中心大队');
  await shot(chief.page, 'bureau-live-4-seats');

  // Shifts: seat-on works today 08:00–18:00 (on shift at 10:00), seat-off tonight 20:00–23:00.
  await chief.page.getByTestId('admin-tab-rosters').click();
  const rosters = chief.page.getByTestId('seat-rosters');
  await expect(rosters.getByTestId('no-roster')).toBeVisible();
  await addShift(chief.page, 'seat-on', '08:00', '18:00');
  await addShift(chief.page, 'seat-off', '20:00', '23:00');
  await expect(rosters.getByTestId('no-roster')).toHaveCount(0);
  await expect(rosters.getByTestId('roster-seat-on').locator('.badge')).toHaveText('在班');
  await expect(rosters.getByTestId('roster-seat-off').locator('.badge')).toHaveText('不在班');
  await expect(rosters.getByTestId('roster-seat-off')).toContainText('下一班');
  await shot(chief.page, 'bureau-live-5-rosters');

  // 4. The seat off shift signs in and goes available: its console says it gets no calls.
  const offPage = (await actor('console')).page;
  const off = new Seat(offPage, TENANT);
  await off.signIn('seat-off', passwords['seat-off']!);
  await off.setAvailable();
  await expect(offPage.getByTestId('seat-roster')).toContainText('不在班：签入也不会接到来电');

  // The duty supervisor's wallboard (the admin may open it), live over the push channel.
  await chief.page.goto('/console/supervisor');
  const wall = chief.page.getByTestId('wallboard');
  await expect(wall.getByTestId('wall-seat-seat-off')).toContainText('不在班');

  // A party in 梁溪区 reports from the party app and waits.
  const phone = await actor('phone', { geolocation: LIANGXI });
  const party = new Party(phone.page, TENANT);
  await party.open();
  await party.passSafety();
  await party.signIn(PHONE, async () => {
    // The development SMS driver's outbox, read with the admin's session (as the admin screen shows it).
    const res = await chief.page.request.get(`/api/admin/sms-outbox?to=${PHONE}`);
    expect(res.status()).toBe(200);
    const { messages } = await res.json() as { messages: Array<{ text: string; kind: string }> };
    return /(\d{6})/.exec(messages.find((m) => m.kind === 'otp')!.text)![1]!;
  });
  await party.fillReport({ district: '梁溪区', address: '梁溪区中山路', plates: ['苏B12345', '苏B67890'] });
  await party.submit();
  expect(await party.waitInQueue()).toBe(1);

  // Waiting, with a seat signed in and free — off shift, so it is not offered the call.
  const waiting = offPage.getByTestId('queue-row');
  await expect(waiting).toHaveCount(1);
  const caseNumber = (await waiting.getAttribute('data-case-number'))!;
  await expect(wall.getByTestId(`wall-case-${caseNumber}`)).toBeVisible();
  await expect(wall.getByTestId('wall-brigade-lx-center').locator('td').nth(1)).toHaveText('1');
  await expect(wall.getByTestId('wall-seat-seat-off')).toHaveClass(/available/);
  await expect(offPage.getByTestId('ringing')).toHaveCount(0);
  expect(await off.status()).toBe('available');
  await shot(chief.page, 'bureau-live-6-wallboard-waiting');

  // 5. The seat on shift signs in, goes available, and the call rings there; it answers.
  const onPage = (await actor('console')).page;
  const on = new Seat(onPage, TENANT);
  await on.signIn('seat-on', passwords['seat-on']!);
  await on.setAvailable();
  const caseId = await on.acceptRinging({ caseNumber });
  await party.waitForCall();
  expect(party.caseId()).toBe(caseId);
  await on.waitForPartyVideo();
  await shot(onPage, 'bureau-live-7-answered');
  await shot(phone.page, 'bureau-live-7-party');
  await expect(wall.getByTestId('wall-seat-seat-on')).toHaveClass(/busy/);
  await expect(wall.getByTestId('wall-seat-seat-on')).toContainText(caseNumber);
  await expect(wall.getByTestId('wall-brigade-lx-center').locator('td').nth(1)).toHaveText('0');
  await shot(chief.page, 'bureau-live-8-wallboard-call');
  // The seat off shift was never offered it.
  await expect(offPage.getByTestId('ringing')).toHaveCount(0);
  expect(await off.status()).toBe('available');

  // 6. The audit log lists every step.
  await chief.page.goto('/console/admin');
  await chief.page.getByTestId('admin-tab-audit').click();
  const audit = chief.page.getByTestId('audit-log');
  const entry = (action: string, subject: string) => audit.locator(`[data-testid="audit-row"][data-action="${action}"][data-subject="${subject}"]`);
  await expect(entry('profile.published', 'v1')).toBeVisible();
  await expect(entry('profile.activated', 'v1')).toBeVisible();
  await expect(entry('staff.created', 'wx-chief')).toBeVisible();
  await expect(entry('brigade.created', 'lx-center')).toBeVisible();
  await expect(entry('brigade.created', 'lx-center')).toContainText('梁溪区');
  await expect(entry('staff.created', 'seat-on')).toBeVisible();
  await expect(entry('staff.created', 'seat-off')).toBeVisible();
  await expect(entry('seat.roster_changed', 'seat-on')).toBeVisible();
  await expect(entry('seat.roster_changed', 'seat-off')).toBeVisible();
  await shot(chief.page, 'bureau-live-9-audit');
  const csv = await chief.page.request.get('/api/admin/audit.csv');
  expect(csv.status()).toBe(200);
  const text = await csv.text();
  for (const line of ['"profile.published","v1"', '"profile.activated","v1"', '"brigade.created","lx-center"', '"seat.roster_changed","seat-off"']) expect(text).toContain(line);
});
