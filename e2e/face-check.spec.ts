/**
 * Face comparison at the seat (Nantong's 人脸身份比对, issue 13): the seat answers a Nantong call,
 * a photo of the driver is in the case, the seat runs the driver check, and the real model
 * (face-faceapi in the server) compares the photo with the licence photo registry-dev holds for
 * 赵磊; the checks panel shows both pictures side by side with the score and the threshold.
 *
 * The photo is another picture of the person in registry-dev's licence photo (@vladmandic/human's
 * author, from the screenshots that package ships), put into a 640×480 frame and uploaded
 * through the seat's capture route: Chromium's fake camera shows a test pattern, not a face.
 */
import { anotherPerson, author, videoFrame } from '@kuaichu/plugin-recognition-faceapi/test-photos';
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { Seat } from './pages/Seat.ts';

const TENANT = 'nantong';
const CHONGCHUAN = { lng: 120.857, lat: 32.01 };
const ZHAO = { driverName: '赵磊', idNumber: '320612199405069131', plate: '苏FD23456' };

async function reportAsParty(api: Api, phone: string): Promise<{ id: string; number: string }> {
  const { challenge } = await api.call<{ challenge: string }>('POST', `/api/cities/${TENANT}/party/code`, { phone });
  const code = await api.smsCode(TENANT, phone);
  const { token } = await api.call<{ token: string }>('POST', `/api/cities/${TENANT}/party/session`, { phone, code, challenge });
  return api.call('POST', '/api/cases', {
    clientKey: `face-e2e-${phone}-${Date.now()}`,
    report: { location: { ...CHONGCHUAN, source: 'gps', accuracyMeters: 8 }, kind: 'motor_motor', address: '崇川区人民中路与工农路交口', parties: 2, vehicles: [{ plate: '苏FD23456', class: 'small_car' }, { plate: '苏F3M9K1', class: 'small_car' }] },
  }, token);
}

/** A photo of the party, stored through the route the seat's 拍照取证 uses. */
async function partyPhoto(api: Api, caseId: string, jpeg: Buffer): Promise<string> {
  const form = new FormData();
  form.append('item', 'parties_photo');
  form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'frame.jpg');
  const res = await fetch(`${api.baseUrl}/api/cases/${caseId}/evidence/file`, { method: 'POST', body: form, headers: { authorization: `Bearer ${await api.staffToken(TENANT, 'seat-centre')}` } });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { sha256: string }).sha256;
}

/**
 * Seat.runChecks, with room for the first comparison: the server loads the face models on first
 * use (a few seconds, more on a loaded machine) before it answers.
 */
async function runChecks(page: Page, input: typeof ZHAO, faceResults = 1): Promise<void> {
  const form = page.getByTestId('checks-form');
  await form.locator('input[name="driverName"]').fill(input.driverName);
  await form.locator('input[name="driverId"]').fill(input.idNumber);
  await form.locator('input[name="plate"]').fill(input.plate);
  await page.getByTestId('run-checks').click();
  await expect(page.locator('[data-testid="check-result"][data-check="face_match"]')).toHaveCount(faceResults, { timeout: 90_000 });
  await expect(page.getByTestId('run-checks')).toBeEnabled();
  await expect(page.getByTestId('checks-error')).toHaveCount(0);
}

test('the seat compares the driver on the call with the licence photo: both pictures, the score and the threshold; another person does not match', async ({ actor, api, shot }) => {
  const { page } = await actor('console');
  const seat = new Seat(page, TENANT);
  await seat.signIn('seat-centre');
  await seat.setAvailable();
  const c = await reportAsParty(api, '13900000177');
  const id = await seat.acceptRinging({ caseNumber: c.number });
  const same = await partyPhoto(api, id, await videoFrame(await author.demo()));

  await seat.openTab('checks');
  // The photo just taken is offered for the comparison (the first party photo not yet compared).
  await expect(page.getByTestId('face-image')).toHaveValue(same);
  await runChecks(page, ZHAO);
  const result = page.locator('[data-testid="check-result"][data-check="face_match"]').first();
  await expect(result).toHaveAttribute('data-ok', 'true');
  const pair = result.getByTestId('face-pair');
  await expect(pair).toHaveAttribute('data-match', 'true');
  await expect(pair).toHaveAttribute('data-threshold', '0.5');
  expect(Number(await pair.getAttribute('data-score'))).toBeGreaterThanOrEqual(0.5);
  await expect(pair.getByTestId('face-score')).toHaveText(/相似度 0\.\d\d · 阈值 0\.50|Similarity 0\.\d\d · threshold 0\.50/);
  for (const img of [pair.getByTestId('face-reference'), pair.getByTestId('face-probe')]) {
    await expect(img).toBeVisible();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  }
  expect(await pair.getByTestId('face-probe').getAttribute('src')).toContain(same);
  await pair.scrollIntoViewIfNeeded();
  await shot(page, 'seat-face-match');

  // A woman's photo for the same licence: a finding the seat verifies by eye.
  const other = await partyPhoto(api, id, await videoFrame(await anotherPerson()));
  await expect(page.getByTestId('face-image')).toHaveValue(other);
  await runChecks(page, ZHAO, 2);
  const failed = page.locator('[data-testid="check-result"][data-check="face_match"]').first();
  await expect(failed).toHaveAttribute('data-ok', 'false');
  await expect(failed.getByTestId('face-pair')).toHaveAttribute('data-match', 'false');
  await expect(failed).toContainText(/人脸比对不一致|请人工比对/);
  await failed.getByTestId('face-pair').scrollIntoViewIfNeeded();
  await shot(page, 'seat-face-mismatch');
});
