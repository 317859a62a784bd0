/**
 * The party's report (issue 10, items 4 and 5, the party side): the place is confirmed by the
 * party (确认事故地点, prefilled from the district the GPS gave, sent with the report), the
 * report is labelled with the channel it really came through (this app in a browser: `web`,
 * not the 12123 App), and a place another city serves is answered with that city and a link to
 * it, at once and on the refusal.
 */
import { test, expect } from './support/fixtures.ts';
import { Party } from './pages/Party.ts';
import { PLATES, Staff } from './support/staff.ts';
import { at } from './support/day.ts';

const DAOLI = { latitude: 45.773, longitude: 126.617 };
/** 崇川区, served by Nantong (cities/nantong.yaml). */
const CHONGCHUAN = { latitude: 32.01, longitude: 120.857 };

type Mine = Array<{ id: string; channel: string; state: string }>;

test('确认事故地点 prefilled from the GPS district, confirmed and sent; the browser report is labelled web', async ({ actor, api, shot }) => {
  await api.setClock(at('10:00'));
  const party = new Party((await actor('phone', { geolocation: DAOLI })).page, 'harbin');
  const page = party.page;
  await party.open();
  await party.passSafety();
  await party.signIn('13900000601', () => api.smsCode('harbin', '13900000601'));

  const location = page.getByTestId('location');
  await expect(location.getByText('已定位：道里区')).toBeVisible();
  const place = location.getByLabel('确认事故地点（道路、路口或标志物）');
  await expect(place).toHaveValue('道里区');
  await expect(location.getByTestId('address-hint')).toHaveText('请补充道路名称、路口或附近标志物，便于民警核实');
  await place.fill('道里区中央大街与西十二道街交口，马迭尔宾馆门前');
  await expect(location.getByTestId('address-hint')).toHaveCount(0);
  await shot(page, 'party-report-confirm-place');

  // Cleared, the place must be given again before the report goes.
  await place.fill('');
  await party.fillReport({ district: '道里区', plates: PLATES });
  await page.getByRole('button', { name: '提交，开始视频报警' }).click();
  await expect(location.getByText('请确认或填写事故地点')).toBeVisible();
  await expect(place).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('queue')).toHaveCount(0);

  await place.fill('道里区中央大街与西十二道街交口');
  await party.submit();
  await party.waitInQueue();
  const mine = await page.evaluate(() => fetch('/api/cases').then((r) => r.json() as Promise<Mine>));
  expect(mine.map((c) => [c.channel, c.state])).toEqual([['web', 'queued']]);
  // The report as stored (staff see it): the confirmed place and the channel.
  const seat = await Staff.as(api, 'harbin', 'seat-daoli');
  const view = await seat.call<{ channel: string; report: { address?: string; channel?: string } }>('GET', `/api/cases/${mine[0]!.id}`);
  expect(view.channel).toBe('web');
  expect(view.report.address).toBe('道里区中央大街与西十二道街交口');
  expect(view.report.channel).toBe('web');
});

test('the network drops as the report is sent: the report is kept and goes by itself when the network is back, as one case', async ({ actor, api, shot }) => {
  await api.setClock(at('10:00'));
  const party = new Party((await actor('phone', { geolocation: DAOLI })).page, 'harbin');
  const page = party.page;
  await party.open();
  await party.passSafety();
  await party.signIn('13900000603', () => api.smsCode('harbin', '13900000603'));
  await party.fillReport({ district: '道里区', address: '道里区中央大街与西十二道街交口', plates: PLATES });

  await page.context().setOffline(true);
  await page.getByRole('button', { name: '提交，开始视频报警' }).click();
  await expect(page.getByTestId('report-waiting-network')).toHaveText('网络已断开。报警内容已保存在手机上，网络恢复后会自动发送，无需重新填写。');
  await expect(page.getByRole('button', { name: '正在提交…' })).toBeDisabled();
  await shot(page, 'party-report-waiting-for-network');

  await page.context().setOffline(false);
  await party.waitInQueue();
  const mine = await page.evaluate(() => fetch('/api/cases').then((r) => r.json() as Promise<Mine>));
  expect(mine.map((c) => c.state)).toEqual(['queued']);
});

test('a place Nantong serves, reported in the Harbin app: Nantong is named with a link, before and after submitting', async ({ actor, api, shot }) => {
  await api.setClock(at('10:00'));
  const party = new Party((await actor('phone', { geolocation: CHONGCHUAN })).page, 'harbin');
  const page = party.page;
  await party.open();
  await party.passSafety();
  await party.signIn('13900000602', () => api.smsCode('harbin', '13900000602'));

  const location = page.getByTestId('location');
  const early = location.getByTestId('wrong-city');
  await expect(early).toContainText('该地点位于南通（崇川区），不属于本市。您是否选错了城市？');
  await expect(early.getByRole('link', { name: '切换到南通办理' })).toHaveAttribute('href', '/m/nantong');
  await expect(location).not.toContainText(/120\.857|32\.01/);

  await location.getByLabel(/确认事故地点/).fill('崇川区工农路');
  await party.fillReport({ plates: PLATES });
  await party.submit();
  await party.expectRefused('哈尔滨市辖区以外');
  const refusal = page.getByTestId('refusal');
  await expect(refusal).not.toContainText(/120\.857|32\.01/);
  await expect(refusal.getByTestId('wrong-city')).toContainText('南通（崇川区）');
  await party.expectNoHorizontalScroll();
  await shot(page, 'party-refused-wrong-city');

  await refusal.getByRole('link', { name: '切换到南通办理' }).click();
  await expect(page).toHaveURL(/\/m\/nantong$/);
  await expect(page.getByRole('heading', { name: '先保安全，再快处' })).toBeVisible();
  await expect(page.getByText('南通市公安局交通警察支队').first()).toBeVisible();
});
