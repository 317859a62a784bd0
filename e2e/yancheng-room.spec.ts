/**
 * Yancheng's 云车通 room of six (issue 14) in real browsers, each participant its own context, all
 * through the app's own screens: party A reports and waits on the party app's call page; the seat
 * answers in the seat console and turns its camera on; the seat invites party B (SMS link), an
 * insurer's loss adjuster, a repair shop and a mediator (their people get the link by SMS too);
 * party B opens the link in the party app (/invite/:tenant/:token signs them in and joins the call),
 * the three partners sign in to the partner console, accept their link and enter the video room.
 * Every one of the six then receives the five others' video with frames decoded (the video
 * element's decoded frame count grows, with a frame size), not just a connection. Screenshots of
 * each screen. The seat mutes the insurer and removes the repair shop; the recording part that held
 * the six is stored as evidence with a camera and a voice of each of them.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { partySignIn } from './support/partyPhone.ts';
import { Seat } from './pages/Seat.ts';

const TINGHU = { lng: 120.197, lat: 33.391 }; // 亭湖区 → brigade yunchetong
const PASSWORD = 'Yc-room-e2e-partner-8Lw3';
const SEAT = 'seat-yunchetong';
type Role = 'party_a' | 'party_b' | 'seat' | 'insurer' | 'repair_shop' | 'mediator';
const ROLES: readonly Role[] = ['party_a', 'party_b', 'seat', 'insurer', 'repair_shop', 'mediator'];
const PARTNERS = [
  { role: 'insurer', name: '中国人保盐城分公司', username: 'picc-adjuster', phone: '13900001601', code: 'picc' },
  { role: 'repair_shop', name: '盐城亭湖汽修厂', username: 'tinghu-repair', phone: '13900001602' },
  { role: 'mediator', name: '亭湖区交通事故调解委员会', username: 'tinghu-mediator', phone: '13900001603' },
] as const;

/** The newest invitation link the development SMS driver "sent" to this phone (its path: the server's own origin). */
async function smsLink(api: Api, phone: string): Promise<string> {
  const { messages } = await api.asStaff<{ messages: Array<{ text: string }> }>('yancheng', 'admin', 'GET', `/api/admin/sms-outbox?to=${phone}`);
  for (const m of messages) {
    const url = /(https?:\/\/\S+\/invite\/\S+?)(?=[，。\s]|$)/.exec(m.text)?.[1];
    if (url) return new URL(url).pathname;
  }
  throw new Error(`no invitation link was sent to ${phone}`);
}

/**
 * The remote videos a screen shows, by the role of whose they are, with their frame size, the
 * number of frames the browser decoded for them so far and the track they play (a video element
 * made anew — the consumer paused and resumed, the call rejoined — starts counting again from 0).
 * The party's inset is the seat's; the seat's large picture is party A's; every other participant
 * is a tile with its role.
 */
type Decoded = { width: number; frames: number; track: string };
async function remoteVideos(page: Page): Promise<Record<string, Decoded>> {
  return page.evaluate(() => {
    const out: Record<string, { width: number; frames: number; track: string }> = {};
    const roleOf: Record<string, string> = { 'remote-video': 'seat', 'party-video': 'party_a' };
    for (const v of document.querySelectorAll<HTMLVideoElement>('video[data-testid="room-video"], video[data-testid="remote-video"], video[data-testid="party-video"]')) {
      const role = v.dataset['role'] ?? roleOf[v.dataset['testid'] ?? ''] ?? '?';
      if (!(v.srcObject instanceof MediaStream)) continue;
      const track = v.srcObject.getVideoTracks()[0]?.id ?? '';
      out[role] = { width: v.videoWidth, frames: v.getVideoPlaybackQuality().totalVideoFrames, track };
    }
    return out;
  });
}

/**
 * This screen receives the five others' video: each with a frame size, and more frames decoded a
 * moment later. The polls never throw on a video missing for a moment (expect.poll fails at once on
 * an exception in its function instead of polling again): a tile re-drawn between two looks is
 * looked at again, and a new track that decodes counts as progress (its count restarts at 0).
 */
async function expectDecodingAllOthers(page: Page, self: Role): Promise<void> {
  const others = ROLES.filter((r) => r !== self).sort();
  const decoding = (v: Record<string, Decoded>) => others.filter((r) => (v[r]?.width ?? 0) > 0 && (v[r]?.frames ?? 0) > 0);
  let first: Record<string, Decoded> = {};
  let last: Record<string, Decoded> = {};
  try {
    await expect.poll(async () => decoding((first = await remoteVideos(page))), { message: `${self} decodes the video of ${others.join(', ')}`, timeout: 60_000 }).toEqual(others);
    await expect.poll(async () => {
      last = await remoteVideos(page);
      return decoding(last).filter((r) => last[r]!.track !== first[r]!.track || last[r]!.frames > first[r]!.frames);
    }, { message: `${self}: every other participant's video keeps decoding`, timeout: 30_000 }).toEqual(others);
  } catch (e) {
    // What each video showed (frames, size, track) at the last look of each poll, for the report.
    throw new Error(`${(e as Error).message}\nfirst look: ${JSON.stringify(first)}\nlast look: ${JSON.stringify(last)}`, { cause: e });
  }
}

test('a Yancheng case room of six: party A, party B, seat, insurer, repair shop and mediator each decode the five others\' video', async ({ api, server, actor, shot }) => {
  test.setTimeout(240_000);
  for (const p of PARTNERS) {
    const org = await api.asStaff<{ id: string }>('yancheng', 'admin', 'POST', '/api/admin/partners', { kind: p.role, name: p.name, ...('code' in p ? { code: p.code } : {}) });
    await api.asStaff('yancheng', 'admin', 'POST', `/api/admin/partners/${org.id}/people`, { username: p.username, displayName: `${p.name.slice(0, 4)}经办人`, phone: p.phone, password: PASSWORD });
  }
  const orgs = await api.asStaff<{ orgs: Array<{ id: string; name: string }> }>('yancheng', 'admin', 'GET', '/api/admin/partners');

  // The seat, on duty in the seat console.
  const desk = await actor('console');
  await desk.page.setViewportSize({ width: 1280, height: 760 });
  const seat = new Seat(desk.page, 'yancheng');
  await seat.signIn(SEAT);

  // Party A reports and waits on the party app's call page (camera preview).
  const partyA = await partySignIn(api, 'yancheng', '13900001611');
  const c = await api.call<{ id: string; number: string }>('POST', '/api/cases', { clientKey: 'yancheng-room-e2e-a', report: { location: { ...TINGHU, source: 'gps', accuracyMeters: 10 }, kind: 'motor_motor', injury: 'none', channel: 'video_phone' } }, partyA.token);
  const a = await actor('phone');
  await a.context.addCookies([{ name: 'kc_session', value: partyA.token, url: server.url }]);
  await a.page.goto(`/m/yancheng/call/${c.id}`);
  await expect(a.page.getByTestId('queue')).toBeVisible();

  // The seat goes on duty (only now: a call answered before the party's page waits would land on 继续处理).
  await seat.setAvailable();

  // The seat answers and turns its camera on; party A is on the call.
  expect(await seat.acceptRinging()).toBe(c.id);
  await seat.turnCameraOn();
  await expect(a.page.getByRole('region', { name: '视频通话' })).toBeVisible({ timeout: 30_000 });
  await seat.waitForPartyVideo();

  // The seat invites party B by phone and the three partner organisations (their people get the link by SMS).
  const phoneB = '13900001612';
  await api.asStaff('yancheng', SEAT, 'POST', `/api/cases/${c.id}/invitations`, { role: 'party_b', phone: phoneB });
  for (const p of PARTNERS) {
    const org = orgs.orgs.find((o) => o.name === p.name)!;
    await api.asStaff('yancheng', SEAT, 'POST', `/api/cases/${c.id}/invitations`, { role: p.role, orgId: org.id });
  }

  // Party B opens the SMS link on their phone: signed in by it, straight into the call.
  const b = await actor('phone');
  await b.page.goto(await smsLink(api, phoneB));
  await expect(b.page).toHaveURL(new RegExp(`/m/yancheng/call/${c.id}`));
  await expect(b.page.getByRole('region', { name: '视频通话' })).toBeVisible({ timeout: 30_000 });

  // The partners: sign in to the partner console, accept the SMS link, enter the case's video room.
  const partnerPages: Partial<Record<Role, Page>> = {};
  for (const p of PARTNERS) {
    const { page } = await actor('console');
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.goto('/console/partner?tenant=yancheng');
    const login = page.getByTestId('partner-login');
    await login.locator('input[name=username]').fill(p.username);
    await login.locator('input[name=password]').fill(PASSWORD);
    await login.getByRole('button').click();
    await expect(page.getByTestId('partner-who')).toContainText(p.name);
    await page.getByTestId('partner-accept').locator('input[name=link]').fill(`${server.url}${await smsLink(api, p.phone)}`);
    await page.getByTestId('partner-accept').getByRole('button').click();
    await expect(page.getByTestId('partner-accepted')).toBeVisible();
    const row = page.locator(`[data-testid="partner-case"][data-id="${c.id}"]`);
    await expect(row).toContainText(c.number);
    await row.getByTestId('enter-room').click();
    await expect(page.getByTestId('partner-room')).toHaveAttribute('data-joined', 'true', { timeout: 30_000 });
    partnerPages[p.role] = page;
  }

  // Everyone decodes everyone else.
  const screens: Record<Role, Page> = { party_a: a.page, party_b: b.page, seat: desk.page, ...(partnerPages as Record<'insurer' | 'repair_shop' | 'mediator', Page>) };
  for (const role of ROLES) await expectDecodingAllOthers(screens[role], role);

  // Who is in the room, as each screen says it: the seat sees the invited participants' tiles by role.
  await expect(desk.page.getByTestId('room-peer')).toHaveCount(4);
  for (const role of ROLES) await shot(screens[role], `yancheng-room-${role.replace('_', '-')}`);

  // The seat mutes the insurer: paused at the server (the others' copies of its microphone pause), its screen says so.
  const tile = (page: Page, role: Role) => page.locator(`[data-testid="room-peer"][data-role="${role}"]`);
  await tile(desk.page, 'insurer').getByTestId('mute-peer').click();
  await expect(partnerPages.insurer!.getByTestId('muted-by-seat')).toBeVisible();
  await expect(partnerPages.insurer!.getByTestId('mic-toggle')).toHaveAttribute('aria-pressed', 'true');
  for (const page of [a.page, b.page, desk.page, partnerPages.mediator!]) await expect(tile(page, 'insurer')).toHaveAttribute('data-muted', 'true');
  await shot(partnerPages.insurer!, 'yancheng-room-insurer-muted');

  // The seat removes the repair shop: its screen says so, and the recording part that held the six
  // ends (a new one goes on with the five) and is stored as evidence — a camera track and a voice
  // for every one of the six, labelled with whose it is, and the mix.
  await tile(desk.page, 'repair_shop').getByTestId('remove-peer').click();
  await expect(partnerPages.repair_shop!.getByTestId('room-error')).toBeVisible({ timeout: 15_000 });
  await expect(tile(desk.page, 'repair_shop')).toHaveCount(0);
  type Track = { kind: 'video' | 'audio'; label: string; role: string | null };
  type Part = { part: number; mediaSeconds: number | null; tracks: Track[] };
  const officer = await api.staffToken('yancheng', 'officer');
  const six = [...ROLES].sort();
  let all: Part | undefined;
  await expect.poll(async () => {
    const view = await api.call<{ evidence: Array<{ item: string; data: Part }> }>('GET', `/api/cases/${c.id}`, undefined, officer);
    all = view.evidence.filter((e) => e.item === 'recording').map((e) => e.data)
      .find((p) => p.tracks.filter((t) => t.kind === 'video').map((t) => t.role).sort().join() === six.join());
    return Boolean(all);
  }, { message: 'a recording part holds the six cameras', timeout: 90_000 }).toBe(true);
  expect(all!.tracks.filter((t) => t.kind === 'audio' && t.role !== null).map((t) => t.role).sort()).toEqual(six);
  expect(all!.tracks.some((t) => t.kind === 'audio' && t.label === 'mix')).toBe(true);
  expect(all!.mediaSeconds ?? 0).toBeGreaterThan(0);
});
