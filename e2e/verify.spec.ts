/**
 * The verification page behind the QR code of an e-determination (/verify/:code), on a phone.
 * A determination is made and served through the API (a party reports in 道里区 at 10:00, the
 * 道里 seat answers and records Harbin's checklist, the parties leave, the officer determines);
 * then a phone opens the printed address: the server answers the browser with the web app, which
 * shows 真实有效, the number, the city, the times and the masked parties. An unknown code gets
 * the not-found view with the code as typed; a lost network a retry; an answer that says the
 * record was altered, 文书内容被改动.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { PLATES, Staff } from './support/staff.ts';
import { at, slashed, YEAR } from './support/day.ts';

const DAOLI = { lng: 126.617, lat: 45.773 };
const UNKNOWN = 'ABCD-EFGH-IJKL-MNOP';

/** A served determination (张伟 全部, 李娜 无责任), made through the API: its number and the printed verification URL. */
async function servedDetermination(api: Api, phone: string): Promise<{ number: string; verifyUrl: string }> {
  const { challenge } = await api.call<{ challenge: string }>('POST', '/api/cities/harbin/party/code', { phone });
  const party = (await api.call<{ token: string }>('POST', '/api/cities/harbin/party/session', { phone, code: await api.smsCode('harbin', phone), challenge })).token;
  const seat = await Staff.as(api, 'harbin', 'seat-daoli');
  await seat.available();
  const c = await api.call<{ id: string }>('POST', '/api/cases', {
    clientKey: `verify-e2e-${phone}`,
    report: { location: { ...DAOLI, accuracyMeters: 12, source: 'gps' }, kind: 'motor_motor', injury: 'none', insured: 'all', movable: true, parties: 2, vehicles: PLATES.map((plate) => ({ plate, class: 'small_car' })) },
  }, party);
  await seat.answer(c.id);
  await seat.completeEvidence(c.id);
  expect((await seat.call<{ state: string }>('POST', `/api/cases/${c.id}/evacuate`)).state).toBe('evacuated');
  await (await Staff.as(api, 'harbin', 'officer')).determine(c.id);
  const mine = await api.call<{ state: string; determination: { number: string; verifyUrl: string } }>('GET', `/api/cases/${c.id}`, undefined, party);
  expect(mine.state).toBe('served');
  return mine.determination;
}

async function expectNoHorizontalScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
}

test('a served determination scanned on a phone: 真实有效, its number, Harbin, the times and the masked parties; English on a tap', async ({ actor, api, shot }) => {
  await api.setClock(at('10:00'));
  const det = await servedDetermination(api, '13800000401');
  const code = new URL(det.verifyUrl).pathname.split('/').pop()!;
  const { page } = await actor('phone');

  // The printed address: the browser gets the page, a program the JSON.
  const res = await page.goto(det.verifyUrl);
  expect(res!.status()).toBe(200);
  expect(res!.headers()['content-type']).toMatch(/^text\/html/);
  const json = await page.request.get(det.verifyUrl, { headers: { accept: 'application/json' } });
  expect(json.headers()['content-type']).toMatch(/^application\/json/);
  expect(await json.json()).toMatchObject({ authentic: true, intact: true, number: det.number });

  const verdict = page.getByTestId('verify-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', 'valid');
  await expect(verdict.getByRole('heading')).toHaveText('真实有效');
  await expect(verdict).toContainText('哈尔滨市公安局交通警察支队');
  await expect(page.getByTestId('verify-check')).toHaveCount(2);
  for (const check of await page.getByTestId('verify-check').all()) await expect(check).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('verify-number')).toHaveText(det.number);
  expect(det.number).toMatch(new RegExp(`^HRB-${YEAR}-\\d{6}$`));
  await expect(page.getByTestId('verify-city')).toHaveText('哈尔滨');
  await expect(page.getByTestId('verify-issued')).toHaveText(slashed('10:00'));
  await expect(page.getByTestId('verify-served')).toHaveText(slashed('10:00'));
  await expect(page.getByTestId('verify-code')).toHaveText(code.match(/.{4}/g)!.join('-'));
  await expect(page.getByTestId('verify-name')).toHaveText(['张*', '李*']);
  await expect(page.getByTestId('verify-plate')).toHaveText(['黑A1***5', '黑AD****9']);
  await expect(page.getByTestId('verify-party').locator('[data-liability]')).toHaveText([/全部责任/, /无责任/]);
  await expect(page.getByText('张伟')).toHaveCount(0);
  await expect(page.getByText('黑A12345')).toHaveCount(0);
  await expectNoHorizontalScroll(page);
  await shot(page, 'verify-page');

  await page.getByRole('button', { name: '切换语言' }).click();
  await expect(verdict.getByRole('heading')).toHaveText('Authentic');
  await expect(page.getByTestId('verify-city')).toHaveText('Harbin');
  await expect(page.getByTestId('verify-party').locator('[data-liability]')).toHaveText([/Full liability/, /No liability/]);
  await expectNoHorizontalScroll(page);
  await shot(page, 'verify-page-en');
});

test('an unknown code: 未找到此认定书 with the code as typed; the printed code typed in opens its document; a lost network offers a retry; an altered record is said so', async ({ actor, api, shot }) => {
  await api.setClock(at('11:00'));
  const det = await servedDetermination(api, '13800000411');
  const code = new URL(det.verifyUrl).pathname.split('/').pop()!;
  const { page } = await actor('phone');

  const res = await page.goto(`/verify/${UNKNOWN}`);
  expect(res!.headers()['content-type']).toMatch(/^text\/html/);
  const verdict = page.getByTestId('verify-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', 'not_found');
  await expect(verdict.getByRole('heading')).toHaveText('未找到此认定书');
  await expect(page.getByTestId('verify-typed-code')).toHaveText(UNKNOWN);
  await expectNoHorizontalScroll(page);
  await shot(page, 'verify-not-found');

  // As people type it from the print: lower case, in groups.
  await page.getByRole('textbox', { name: '重新输入核验码' }).fill(code.toLowerCase().match(/.{4}/g)!.join(' '));
  await page.getByRole('button', { name: '核验', exact: true }).click();
  await expect(verdict).toHaveAttribute('data-verdict', 'valid');
  await expect(page.getByTestId('verify-number')).toHaveText(det.number);

  // No network for the check: the page says so and tries again on a tap.
  await page.route('**/api/verify/**', (route) => route.abort('internetdisconnected'));
  await page.reload();
  await expect(page.getByTestId('verify-error')).toBeVisible();
  await expect(page.getByTestId('verify-error')).toContainText('暂时无法核验');
  await shot(page, 'verify-offline');
  await page.unroute('**/api/verify/**');
  await page.getByTestId('verify-retry').click();
  await expect(verdict).toHaveAttribute('data-verdict', 'valid');
  await expect(page.getByTestId('verify-plate')).toHaveText(['黑A1***5', '黑AD****9']);

  // How the page words a record changed after issue (the server's side is core/test/verifyPage.test.ts):
  // the real answer with authentic turned false.
  const real = await (await page.request.get(`/api/verify/${code}`)).json();
  await page.route('**/api/verify/**', (route) => route.fulfill({ json: { ...real, authentic: false } }));
  await page.reload();
  await expect(verdict).toHaveAttribute('data-verdict', 'altered');
  await expect(verdict.getByRole('heading')).toHaveText('文书内容被改动');
  await expect(page.locator('[data-testid="verify-check"][data-check="content"]')).toHaveAttribute('data-ok', 'false');
  await expect(page.locator('[data-testid="verify-check"][data-check="file"]')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('verify-number')).toHaveText(det.number);
  await shot(page, 'verify-altered');
});
