/**
 * The plate read from the live video (issue 13): Kunming reads plates with the real OCR
 * (ocr-paddle). The party's phone films a car's plate — Chromium's fake camera plays a Y4M of a
 * rendered green plate, 云AF12345 (e2e/support/plateVideo.ts, project `plate-camera`) — the seat
 * captures a frame of the call, runs the plate check on it, sees the frame with the box the
 * engine found, the plate, what the engine read and its confidence, and confirms it. The
 * evidence holds the reading and the seat's confirmation (a new item superseding it), the chain
 * intact. A second reading is corrected by the seat: a correction is a new item too. The licence
 * reader (识别证件) fills the check form from a captured frame.
 */
import { test, expect } from './support/fixtures.ts';
import { joinCall, partyPhone, partySignIn } from './support/partyPhone.ts';
import { ensurePlateVideo, VIDEO_PLATE } from './support/plateVideo.ts';
import { Seat } from './pages/Seat.ts';
import { at } from './support/day.ts';

const TENANT = 'kunming';
/** 翠湖, 五华区 (seat-wuhua's brigade). */
const WUHUA = { lng: 102.704, lat: 25.048 };

interface Evidence { id: string; seq: number; item: string; supersedes: string | null; data: Record<string, any>; file: { sha256: string } | null }

test.beforeAll(async () => {
  // Made before the browser starts (its fake camera opens the file at launch); cached under .cache/e2e.
  await ensurePlateVideo();
});

test('Kunming: the plate on the party’s video is read by the real OCR from a captured frame; the seat confirms it, then corrects another reading', async ({ actor, api, server, shot }) => {
  await api.setClock(at('10:00'));
  const { page } = await actor('console');
  const seat = new Seat(page, TENANT);
  await seat.signIn('seat-wuhua');
  await seat.setAvailable();

  const party = await partySignIn(api, TENANT, '13700000731');
  const c = await api.call<{ id: string; number: string }>('POST', '/api/cases', {
    clientKey: `plate-video-${Date.now()}`,
    report: {
      location: { ...WUHUA, source: 'gps', accuracyMeters: 8 }, kind: 'motor_motor', address: '五华区翠湖南路',
      occurredAt: at('09:55'), parties: 2, vehicles: [{ plate: VIDEO_PLATE, class: 'new_energy' }, { plate: '云A5U8M3', class: 'small_car' }],
    },
  }, party.token);
  const id = await seat.acceptRinging({ caseNumber: c.number });

  // The party's phone films the plate; the seat sees it on the call.
  const phone = await actor('phone');
  await partyPhone(phone.context, phone.page, server.url, party);
  expect((await joinCall(phone.page, id)).role).toBe('party_a');
  await seat.waitForPartyVideo();
  await seat.expectStats();
  await shot(page, 'plate-video-call');

  // 拍照取证 of the current frame, then the plate check (OCR) on that photo, with the reported plate typed.
  await seat.capturePhoto('collision_closeups');
  await seat.openTab('checks');
  const form = page.getByTestId('checks-form');
  await form.locator('select[name="plateImage"]').selectOption({ index: 1 });
  await form.locator('input[name="plate"]').fill(VIDEO_PLATE);
  await page.getByTestId('run-checks').click();

  // The reading, on the frame it was read from, with the engine's box drawn over it.
  const reading = page.getByTestId('plate-reading').first();
  await expect(reading).toBeVisible({ timeout: 60_000 });
  await expect(reading).toHaveAttribute('data-outcome', 'read');
  await expect(reading.getByTestId('plate-text')).toHaveText(VIDEO_PLATE);
  await expect(reading.getByTestId('plate-confidence')).toHaveText(/置信度 (9\d|100)%/);
  await expect(reading.getByTestId('plate-box').locator('polygon')).toHaveCount(1);
  await expect(page.locator('[data-testid="check-result"][data-check="plate_ocr"]').first()).toHaveAttribute('data-ok', 'true');
  await reading.scrollIntoViewIfNeeded();
  await shot(page, 'plate-video-reading');

  await reading.getByTestId('plate-confirm').click();
  await expect(page.getByTestId('plate-reading').first()).toHaveAttribute('data-outcome', 'confirmed');
  await expect(page.getByTestId('plate-reading').first().getByTestId('plate-review')).toHaveText('坐席已确认');
  await shot(page, 'plate-video-confirmed');

  // The correction path: a second frame, checked against another plate (the reading disagrees: a failed check). The
  // engine reads this video right, so the test corrects the reading to a plate of its own choosing: what matters here
  // is that the seat's plate is recorded as a new item superseding the reading, which stays in the chain.
  await seat.capturePhoto('collision_closeups');
  await form.locator('select[name="plateImage"]').selectOption({ index: 1 });
  await form.locator('input[name="plate"]').fill('云AF12346');
  await page.getByTestId('run-checks').click();
  const second = page.locator('[data-testid="plate-reading"][data-outcome="read"]');
  await expect(second).toHaveCount(1, { timeout: 60_000 });
  await expect(page.locator('[data-testid="check-result"][data-check="plate_ocr"]').first()).toHaveAttribute('data-ok', 'false');
  await second.getByTestId('plate-correct').click();
  await second.getByTestId('plate-correct-input').fill('云AF 12346');
  await second.getByTestId('plate-correct-save').click();
  await expect(page.locator('[data-testid="plate-reading"][data-outcome="corrected"]')).toHaveCount(1);
  await shot(page, 'plate-video-corrected');

  // 识别证件 on a captured frame fills the check form from what the engine finds there: on this frame only a plate
  // (found by its shape; a real 驾驶证 or 行驶证 gives the name, licence number, VIN: core/test/licenceReading.test.ts).
  await form.locator('input[name="plate"]').fill('');
  await page.locator('select[name="licencePhoto"]').selectOption({ index: 0 });
  await page.getByTestId('licence-read').click();
  await expect(page.getByTestId('licence-found')).toContainText(VIDEO_PLATE, { timeout: 60_000 });
  await expect(form.locator('input[name="plate"]')).toHaveValue(VIDEO_PLATE);

  // The record: each reading (text, confidence, box on the captured frame) and the seat's review superseding it.
  const view = (await (await page.request.get(`/api/cases/${id}`)).json()) as { chain: { ok: boolean }; evidence: Evidence[] };
  expect(view.chain.ok).toBe(true);
  const ocr = view.evidence.filter((e) => e.item === 'plate_ocr');
  const [read1, confirmed, read2, corrected] = ocr;
  expect(ocr).toHaveLength(4);
  const frames = view.evidence.filter((e) => e.item === 'collision_closeups').map((e) => e.file!.sha256);
  expect(read1!.data.subject).toMatchObject({ photo: frames[0], plate: VIDEO_PLATE });
  expect(String(read1!.data.subject.text).replace(/[·\s]/g, '')).toBe(VIDEO_PLATE);
  expect(read1!.data.subject.confidence).toBeGreaterThanOrEqual(0.9);
  expect(read1!.data.subject.box).toHaveLength(4);
  expect(confirmed!.supersedes).toBe(read1!.id);
  expect(confirmed!.data).toMatchObject({ ok: true, status: 'valid', subject: { plate: VIDEO_PLATE }, review: { outcome: 'confirmed', reading: read1!.id, readPlate: VIDEO_PLATE } });
  expect(read2!.data).toMatchObject({ ok: false, status: 'invalid', subject: { photo: frames[1], plate: VIDEO_PLATE } });
  expect(corrected!.supersedes).toBe(read2!.id);
  expect(corrected!.data).toMatchObject({ ok: true, subject: { plate: '云AF12346' }, review: { outcome: 'corrected', reading: read2!.id, readPlate: VIDEO_PLATE } });

  // For the report (not asserted: timing depends on the machine): each reading's confidence and how long its checks
  // request took on the server (the OCR, plus the registry checks of the typed plate), from the server's request log.
  const log = server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as { reqId?: string; req?: { method: string; url: string }; responseTime?: number }; } catch { return {}; } });
  const checkRequests = log.filter((l) => l.req?.method === 'POST' && l.req.url === `/api/cases/${id}/checks`).map((l) => l.reqId);
  const ms = checkRequests.map((r) => Math.round(log.find((l) => l.reqId === r && typeof l.responseTime === 'number')?.responseTime ?? NaN));
  const summary = JSON.stringify([read1, read2].map((r, i) => ({ plate: r!.data.subject.plate, confidence: Number(r!.data.subject.confidence.toFixed(3)), checksMs: ms[i] })));
  test.info().annotations.push({ type: 'plate readings', description: summary });
  console.log(`plate readings: ${summary}`);
});
