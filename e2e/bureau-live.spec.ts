// Issue 17, "done when": a bureau goes live without a developer, from an EMPTY database (no demo
// staff: KUAICHU_DEMO_SEED=off; only the platform operator, made by `kuaichu admin create`). The
// operator onboards Wuxi — the draft `kuaichu init-city 无锡` scaffolded (cities/wuxi.yaml) —
// publishing it active and creating its admin; the admin creates a brigade, two seats (passwords
// shown once) and their shifts; the seat on shift signs in and answers a party's call in Wuxi,
// while the seat off shift, signed in and free too, is never offered it; the audit log lists
// every step. Screenshots of each stage.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { Seat } from './pages/Seat.ts';
import { joinCall, partyPhone } from './support/partyPhone.ts';
import { at, DAY } from './support/day.ts';

const OPS_PASSWORD = 'Operator-Quartz-5521';
const CHIEF_PASSWORD = 'Taihu-Lake-Bridge-8817';
const TENANT = 'wuxi';
/** A point in 梁溪区 (the profile's own example). */
const LIANGXI = { lng: 120.29851, lat: 31.568058 };
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

/** The init-city draft, made live: `status: active` and the development drivers of its integrations. */
function liveWuxi(): string {
  const draft = readFileSync(path.resolve('cities/wuxi.yaml'), 'utf8');
  expect(draft).toContain('status: draft');
  return draft.replace('status: draft', 'status: active')
    .replace(/^# integrations: none yet\..*$/m, 'integrations:\n  - { plugin: sms-dev, options: { signature: 【无锡交警】 } }\n  - { plugin: registry-dev }\n  - { plugin: insurer-dev }\n  - { plugin: dispatch-dev }\n  - { plugin: ocr-dev }\n#');
}

async function signIn(page: Page, tenant: string, username: string, password: string): Promise<void> {
  await page.goto(`/console/login?tenant=${tenant}`);
  await page.getByLabel('所属城市').selectOption(tenant);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

async function token(api: Api, tenant: string, username: string, password: string): Promise<string> {
  return (await api.call<{ token: string }>('POST', '/api/auth/login', { tenant, username, password })).token;
}

test('a bureau goes live from an empty database: onboarding, admin, brigade, seats and shifts, a call answered on shift, the audit log', async ({ actor, api, shot }) => {
  test.setTimeout(240_000);
  await api.setClock(at('10:00'));
  // Empty: nobody of any city can sign in with the demo password.
  const refused = await fetch(`${api.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'harbin', username: 'admin', password: 'e2e-demo-password' }) });
  expect(refused.status).toBe(401);

  // 1. The platform operator publishes Wuxi's profile (from init-city) active, and creates its admin.
  const ops = await actor('console');
  await signIn(ops.page, 'platform', 'ops', OPS_PASSWORD);
  await expect(ops.page.getByTestId('platform-tenants')).toBeVisible();
  await expect(ops.page.locator(`tr[data-tenant="${TENANT}"]`)).toContainText('草稿');
  await ops.page.locator(`tr[data-tenant="${TENANT}"]`).getByRole('button', { name: '管理' }).click();
  const box = ops.page.getByTestId('profile-publish');
  await box.getByTestId('profile-file').setInputFiles({ name: 'wuxi.yaml', mimeType: 'text/yaml', buffer: Buffer.from(liveWuxi()) });
  await expect(box.getByTestId('profile-checked')).toContainText('配置示例全部通过');
  await expect(box.getByTestId('profile-diff')).toContainText('+status: active');
  await box.getByTestId('profile-activate').click();
  await expect(box.getByTestId('live-version')).toContainText('第 1 版');
  const form = ops.page.getByTestId('platform-account');
  await form.getByLabel('用户名').fill('wx-chief');
  await form.getByLabel('姓名').fill('钱队');
  await form.getByLabel('密码').fill(CHIEF_PASSWORD);
  await form.getByRole('button', { name: '创建账号' }).click();
  await expect(ops.page.getByRole('status')).toContainText(`已创建 wx-chief@${TENANT}`);
  await shot(ops.page, 'bureau-live-1-onboarded');

  // 2. The admin: a brigade for 梁溪区, two seats (passwords shown once), their shifts.
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
  const row = brigades.locator('[data-testid="brigade-row"][data-id="lx-center"]');
  await expect(row).toContainText('梁溪区');
  await expect(brigades.locator('[data-testid="brigade-row"][data-id="liangxi"] .chip')).toHaveCount(0);
  await shot(chief.page, 'bureau-live-2-brigade');

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
  await shot(chief.page, 'bureau-live-3-seats');
  // Shifts (H4's roster API): seat-on works today 08:00–18:00, seat-off tonight 20:00–23:00.
  const chiefToken = await token(api, TENANT, 'wx-chief', CHIEF_PASSWORD);
  await api.call('PUT', '/api/admin/seats/seat-on/roster', { shifts: [{ weekday: WEEKDAY, starts: '08:00', ends: '18:00' }] }, chiefToken);
  await api.call('PUT', '/api/admin/seats/seat-off/roster', { shifts: [{ weekday: WEEKDAY, starts: '20:00', ends: '23:00' }] }, chiefToken);

  // 3. Both seats sign in and go available; the party's report in 梁溪区 rings only the seat on shift.
  const offPage = (await actor('console')).page;
  const off = new Seat(offPage, TENANT);
  await off.signIn('seat-off', passwords['seat-off']!);
  // Off shift, yet signed in and free — and free longer than seat-on, so only the roster keeps the call from it.
  await off.setAvailable();
  const onPage = (await actor('console')).page;
  const on = new Seat(onPage, TENANT);
  await on.signIn('seat-on', passwords['seat-on']!);
  await on.setAvailable();

  const { challenge } = await api.call<{ challenge: string }>('POST', `/api/cities/${TENANT}/party/code`, { phone: PHONE });
  const outbox = await api.call<{ messages: Array<{ text: string; kind: string }> }>('GET', `/api/admin/sms-outbox?to=${PHONE}`, undefined, chiefToken);
  const code = /(\d{6})/.exec(outbox.messages.find((m) => m.kind === 'otp')!.text)![1];
  const party = (await api.call<{ token: string }>('POST', `/api/cities/${TENANT}/party/session`, { phone: PHONE, code, challenge })).token;
  const c = await api.call<{ id: string; number: string; state: string }>('POST', '/api/cases', {
    clientKey: `bureau-live-${PHONE}-${Date.now()}`,
    report: { location: { ...LIANGXI, source: 'gps', accuracyMeters: 8 }, kind: 'motor_motor', address: '梁溪区中山路', occurredAt: at('09:55'), parties: 2, vehicles: [{ plate: '苏B12345', class: 'small_car' }, { plate: '苏B67890', class: 'small_car' }] },
  }, party);
  expect(c.state).toBe('queued');
  const rosters = await api.call<{ seats: Array<{ username: string; onShift: boolean }> }>('GET', '/api/admin/rosters', undefined, chiefToken);
  expect(rosters.seats.map((x) => [x.username, x.onShift]).sort()).toEqual([['seat-off', false], ['seat-on', true]]);
  const caseId = await on.acceptRinging({ caseNumber: c.number });
  expect(caseId).toBe(c.id);
  const phone = await actor('phone');
  await partyPhone(phone.context, phone.page, api.baseUrl, { phone: PHONE, token: party });
  expect((await joinCall(phone.page, c.id)).role).toMatch(/^party/);
  await shot(onPage, 'bureau-live-4-answered');
  // The seat off shift was never offered the call.
  await expect(offPage.getByTestId('ringing')).toHaveCount(0);
  expect(await off.status()).toBe('available');

  // 4. The audit log lists every step.
  await chief.page.getByTestId('admin-tab-audit').click();
  const audit = chief.page.getByTestId('audit-log');
  const entry = (action: string, subject: string) => audit.locator(`[data-testid="audit-row"][data-action="${action}"][data-subject="${subject}"]`);
  await expect(entry('staff.created', 'wx-chief')).toBeVisible();
  await expect(entry('brigade.created', 'lx-center')).toBeVisible();
  await expect(entry('staff.created', 'seat-on')).toBeVisible();
  await expect(entry('staff.created', 'seat-off')).toBeVisible();
  await expect(entry('seat.roster_changed', 'seat-on')).toBeVisible();
  await expect(entry('seat.roster_changed', 'seat-off')).toBeVisible();
  await expect(audit.locator('[data-testid="audit-row"][data-action^="profile."]').first()).toBeVisible();
  await expect(entry('brigade.created', 'lx-center')).toContainText('梁溪区');
  await shot(chief.page, 'bureau-live-5-audit');
  const csv = await chief.page.request.get('/api/admin/audit.csv');
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain('"brigade.created","lx-center"');
});
