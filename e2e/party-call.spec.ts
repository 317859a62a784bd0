/**
 * The party's call screen once the seat answered (issue 10, item 3): a frightened driver must
 * see that the call is up and that police are looking — in words, with no spinner — and their
 * own camera large enough to aim at plates and damage. The seat's camera is off by default: the
 * party sees a voice-call card; when the seat switches its camera on the party sees it, and the
 * card again when it goes off. The real seat console answers in its own browser.
 */
import type { Page } from '@playwright/test';
import { test, expect, PHONE_VIEWPORT } from './support/fixtures.ts';
import { Party } from './pages/Party.ts';
import { Seat } from './pages/Seat.ts';
import { PLATES } from './support/staff.ts';
import { at } from './support/day.ts';

const DAOLI = { latitude: 45.773, longitude: 126.617 };

test('the party\'s call screen after the seat answers: 民警正在查看您的画面, no spinner, own camera large, the seat\'s voice card or video', async ({ actor, api, shot }) => {
  await api.setClock(at('10:00'));
  const desk = await actor('console');
  const seat = new Seat(desk.page, 'harbin');
  await seat.signIn('seat-daoli');
  await seat.setAvailable();

  const phone = await actor('phone', { geolocation: DAOLI });
  const party = new Party(phone.page, 'harbin');
  const page = phone.page;
  await party.open();
  await party.passSafety();
  await party.signIn('13900000501', () => api.smsCode('harbin', '13900000501'));
  await party.fillReport({ district: '道里区', address: '中央大街与西十二道街交口', plates: PLATES });
  await party.submit();
  await party.waitInQueue();

  await seat.acceptRinging();
  await party.waitForCall();

  const call = page.getByRole('region', { name: '视频通话' });
  const status = call.getByTestId('call-status');
  // What is happening, in words: the seat is in the room and receives the party's camera.
  await expect(status).toHaveText('民警正在查看您的画面');
  await expect(status).toHaveAttribute('data-phase', 'watched');
  // The seat's camera is off by default: a clear voice-call card, not a spinner that looks like connecting.
  const voice = call.getByTestId('seat-voice');
  await expect(voice).toContainText('民警（语音通话）');
  await expect(voice).toContainText('道里区交警大队');
  await expect(call.locator('.spinner')).toHaveCount(0);
  await expect(call.getByText(/正在接通|已接通民警（语音）/)).toHaveCount(0);
  await expectOwnViewLarge(page);
  await party.expectNoHorizontalScroll();
  await party.expectRecording();
  await shot(page, 'party-call-voice');

  // The seat switches its camera on: the party sees the officer (an inset), the own view stays large.
  await seat.turnCameraOn();
  await party.waitForVideo();
  await expect(voice).toHaveCount(0);
  await expect(status).toHaveText('民警正在查看您的画面');
  await expect(call.locator('.spinner')).toHaveCount(0);
  await expectOwnViewLarge(page);
  await shot(page, 'party-call-seat-video');

  // And off again: the paused camera gives way to the voice card rather than a frozen frame.
  const toggle = desk.page.getByTestId('cam-toggle');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect(voice).toBeVisible();
  await expect(call.getByTestId('remote-video')).toHaveCount(0);
});

/** The party's own camera fills the width of the phone (less its margins) and a good half of its height, all of it on screen. */
async function expectOwnViewLarge(page: Page): Promise<void> {
  const box = await page.getByTestId('own-video').boundingBox();
  expect(box, 'the own camera is shown').not.toBeNull();
  expect(box!.width).toBeGreaterThanOrEqual(PHONE_VIEWPORT.width * 0.85);
  expect(box!.height).toBeGreaterThanOrEqual(PHONE_VIEWPORT.height * 0.45);
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(PHONE_VIEWPORT.height);
}
