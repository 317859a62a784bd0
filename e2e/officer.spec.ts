/**
 * The officer desk and the admin page against the real server. The case is brought to the desk
 * through the API (a party reports in 道里区 at 10:00, the 道里 seat answers, records the
 * evidence — photos drawn by the browser itself, clips encoded by FFmpeg — runs the checks and sends
 * the parties away); then the officer works in the browser: the case arrives live, its
 * evidence and chain are checked, an inconsistent determination is refused with the reason,
 * the right one is issued and served, and a review is decided. The admin then finds the
 * profile valid and the codes and notices in the SMS outbox.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import type { Api } from './support/api.ts';
import { Officer } from './pages/Officer.ts';
import { Admin } from './pages/Admin.ts';
import { Party } from './pages/Party.ts';
import { at, DAY, typed, YEAR } from './support/day.ts';

const DAOLI = { lng: 126.617, lat: 45.773 };
const PARTY_PHONE = '13800000101';
const OTHER_PHONE = '13800000102';

/**
 * A 1.5 s VP8 WebM clip of a moving test pattern in the given hue, encoded by FFmpeg (a bootstrap package). Not
 * recorded from a canvas in the page: under CI's load a canvas stream can hand MediaRecorder no frame at all, and
 * the server rightly refuses a clip without video (415).
 */
function clip(hue: number): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=15', '-vf', `hue=h=${hue}`, '-t', '1.5', '-c:v', 'libvpx', '-b:v', '300k', '-f', 'webm', 'pipe:1'], { maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ffmpeg could not make a clip: ${r.stderr?.toString()}`);
  return r.stdout;
}

/** Photos and clips: PNGs drawn on a canvas in the page, WebM clips from FFmpeg. */
async function makeMedia(page: Page): Promise<{ photos: Buffer[]; clips: Buffer[] }> {
  await page.goto('/');
  // The suite's day goes in as an argument: the function runs in the page, without this module.
  const out = await page.evaluate(async (day) => {
    const draw = (ctx: CanvasRenderingContext2D, w: number, h: number, hue: number, label: string, t = 0) => {
      const sky = ctx.createLinearGradient(0, 0, 0, h);
      sky.addColorStop(0, `hsl(${hue}, 35%, 70%)`);
      sky.addColorStop(0.55, `hsl(${hue}, 20%, 85%)`);
      sky.addColorStop(0.56, '#555a60');
      sky.addColorStop(1, '#3a3d42');
      ctx.fillStyle = sky;
      ctx.fillRect(0, 0, w, h);
      ctx.fillStyle = '#f5f5f5';
      for (let x = -40 + ((t * 40) % 80); x < w; x += 80) ctx.fillRect(x, h * 0.8, 40, 6);
      ctx.fillStyle = `hsl(${(hue + 180) % 360}, 55%, 40%)`;
      ctx.fillRect(w * 0.22, h * 0.42, w * 0.56, h * 0.22);
      ctx.fillRect(w * 0.32, h * 0.3, w * 0.34, h * 0.14);
      ctx.fillStyle = '#111';
      ctx.beginPath();
      ctx.arc(w * 0.32, h * 0.66, h * 0.07, 0, Math.PI * 2);
      ctx.arc(w * 0.68, h * 0.66, h * 0.07, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = '#1d4ed8';
      ctx.fillRect(w * 0.42, h * 0.56, w * 0.16, h * 0.06);
      ctx.fillStyle = '#fff';
      ctx.font = `${Math.round(h * 0.04)}px sans-serif`;
      ctx.fillText('黑A12345', w * 0.435, h * 0.605);
      ctx.fillStyle = 'rgba(0,0,0,0.55)';
      ctx.fillRect(0, 0, w, h * 0.09);
      ctx.fillStyle = '#fff';
      ctx.font = `${Math.round(h * 0.05)}px sans-serif`;
      ctx.fillText(`${label}  ${day} 09:5${Math.floor(t) % 10}`, w * 0.02, h * 0.065);
    };
    const b64 = async (blob: Blob) => {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const ctx = canvas.getContext('2d')!;
    const photos: string[] = [];
    const labels = ['当事人甲', '当事人乙', '碰撞部位 1', '碰撞部位 2', '号牌 黑A12345', '号牌 黑AD56789'];
    for (const [i, label] of labels.entries()) {
      draw(ctx, 640, 480, i * 50, label);
      photos.push(await b64(await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'))));
    }
    return { photos };
  }, DAY);
  return { photos: out.photos.map((s) => Buffer.from(s, 'base64')), clips: [200, 30].map(clip) };
}

/** A party signed in by SMS code: its bearer token and the code it received. */
async function partySignIn(api: Api, phone: string): Promise<{ token: string; code: string }> {
  const { challenge } = await api.call<{ challenge: string }>('POST', '/api/cities/harbin/party/code', { phone });
  const code = await api.smsCode('harbin', phone);
  return { token: (await api.call<{ token: string }>('POST', '/api/cities/harbin/party/session', { phone, code, challenge })).token, code };
}

async function upload(api: Api, token: string, caseId: string, item: string, name: string, bytes: Buffer, type: string): Promise<void> {
  const form = new FormData();
  form.append('item', item);
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  const res = await fetch(`${api.baseUrl}/api/cases/${caseId}/evidence/file`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** Report in 道里区 → the 道里 seat answers → evidence, checks, statement → leave the scene. */
async function evacuatedCase(api: Api, media: { photos: Buffer[]; clips: Buffer[] }, phone = PARTY_PHONE): Promise<{ id: string; number: string; party: string; code: string }> {
  const { token: party, code } = await partySignIn(api, phone);
  const seat = await api.staffToken('harbin', 'seat-daoli');
  await api.call('POST', '/api/seat/status', { status: 'available' }, seat);
  const reported = await api.call<{ id: string; number: string; state: string }>('POST', '/api/cases', {
    clientKey: `officer-e2e-${Date.now()}`,
    report: { location: { ...DAOLI, accuracyMeters: 12, source: 'gps' }, kind: 'motor_motor', injury: 'none', insured: 'all', movable: true, parties: 2, vehicles: [{ plate: '黑A12345', class: 'small_car' }, { plate: '黑AD56789', class: 'small_car' }] },
  }, party);
  expect(reported.state).toBe('queued');
  // The server's ACD rings the free seat on its next tick (every second).
  await expect.poll(async () => (await api.call<{ state: string }>('GET', `/api/cases/${reported.id}`, undefined, party)).state).toBe('ringing');
  await api.call('POST', `/api/cases/${reported.id}/answer`, {}, seat);

  const text = (item: string, data: Record<string, unknown>) => api.call('POST', `/api/cases/${reported.id}/evidence`, { item, data }, seat);
  await text('party_names', { names: ['张伟', '李娜'] });
  await text('plates', { plates: ['黑A12345', '黑AD56789'] });
  await text('time', { text: typed('09:52') });
  await text('place', { text: '道里区中央大街与西十二道街交口' });
  await text('accident_type', { text: '追尾' });
  const items = ['parties_photo', 'parties_photo', 'collision_closeups', 'collision_closeups', 'plate_closeups', 'plate_closeups'];
  for (const [i, item] of items.entries()) await upload(api, seat, reported.id, item, `${item}-${i}.png`, media.photos[i]!, 'image/png');
  for (const [i, clip] of media.clips.entries()) await upload(api, seat, reported.id, 'vehicle_angles', `angle-${i}.webm`, clip, 'video/webm');
  await api.call('POST', `/api/cases/${reported.id}/checks`, { driver: { name: '李娜', idNumber: '230103199007214422' }, plate: '黑AD56789' }, seat);
  // The other driver and car too (the checklist counts each): 黑A12345's 交强险 lapsed on 2026-08-31, a finding on a checked car.
  await api.call('POST', `/api/cases/${reported.id}/checks`, { driver: { name: '张伟', idNumber: '230102198503127810' }, plate: '黑A12345' }, seat);
  await text('statement', { party: '张伟', text: '我在中央大街由南向北行驶，前车李娜减速，我没刹住追尾了。' });
  await text('statement', { party: '李娜', text: '我正常减速等红灯，被后车追尾。' });
  const left = await api.call<{ state: string }>('POST', `/api/cases/${reported.id}/evacuate`, {}, seat);
  expect(left.state).toBe('evacuated');
  return { id: reported.id, number: reported.number, party, code };
}

test('Harbin 10:00, 道里区: the officer determines an evacuated case, issues it, decides the review; the admin sees the profile and the SMS sent', async ({ actor, api, shot }) => {
  await api.setClock(at('10:00'));
  const { page } = await actor('console');
  const media = await makeMedia(page);

  const officer = new Officer(page, 'harbin');
  await officer.signIn();
  await officer.openQueue();

  // The desk is open before the case exists: it must arrive live.
  const c = await evacuatedCase(api, media);
  await officer.expectAwaiting(c.number);
  await shot(page, 'officer-queue');

  await officer.openCase(c.number);
  await officer.expectEvidence({ photos: 6, videos: 2 });
  await officer.expectChainIntact();
  await expect(page.getByTestId('check-row')).toHaveCount(6);
  await expect(page.getByTestId('statement')).toHaveText([/^张伟：.*追尾/, /^李娜：.*追尾/]);
  await expect(page.getByTestId('coords')).toHaveText('45.77300°N, 126.61700°E');
  await page.getByTestId('report-panel').scrollIntoViewIfNeeded();
  await shot(page, 'officer-case-evidence');
  await officer.viewPhoto(2);
  await shot(page, 'officer-photo-large');
  await officer.closePhoto();

  // 甲方 全部 with 乙方 主要 does not fit: refused in the form, nothing posted.
  await officer.fillDetermination({
    parties: [
      { liability: 'full', fault: '未与前车保持足以采取紧急制动措施的安全距离' },
      { liability: 'primary', phone: OTHER_PHONE },
    ],
  });
  expect(await officer.preview()).toBe(false);
  await officer.expectDeterminationProblem('一方承担全部责任时，其他各方均应为无责任');
  await officer.expectDeterminationProblem('乙方：承担责任的一方须写明过错行为');
  await page.getByTestId('determination-form').scrollIntoViewIfNeeded();
  await shot(page, 'officer-determination-refused');
  expect((await api.call<{ state: string }>('GET', `/api/cases/${c.id}`, undefined, c.party)).state).toBe('evacuated');

  await officer.fillDetermination({ parties: [{ liability: 'full' }, { liability: 'none', fault: '' }] });
  await expect(page.getByTestId('determination-problems')).toBeHidden();
  expect(await officer.preview()).toBe(true);
  await expect(page.getByTestId('determination-preview')).toContainText('张伟驾驶黑A12345');
  await expect(page.getByTestId('preview-liability')).toHaveText(['全部', '无责任']);
  await shot(page, 'officer-determination-preview');
  await officer.issue();
  const number = await officer.expectIssued();
  expect(number).toMatch(new RegExp(`^HRB-${YEAR}-\\d{6}$`));
  await shot(page, 'officer-issued');

  // The document is there for the party too.
  const mine = await api.call<{ state: string; determination: { number: string; parties: Array<{ liability: string }> } }>('GET', `/api/cases/${c.id}`, undefined, c.party);
  expect(mine.state).toBe('served');
  expect(mine.determination.number).toBe(number);
  expect(mine.determination.parties.map((p) => p.liability)).toEqual(['full', 'none']);
  const pdf = await page.request.get(`/api/cases/${c.id}/document.pdf`);
  expect(pdf.status()).toBe(200);
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

  // The party applies for review; the open case shows it live, and the desk lists it.
  await api.call('POST', `/api/cases/${c.id}/reviews`, { reason: '我认为前车突然急刹，请求复核。' }, c.party);
  await expect(page.getByTestId('review-open')).toContainText('前车突然急刹');
  await expect(page.locator(`[data-testid="rail-case"][data-number="${c.number}"]`)).toBeVisible();
  await shot(page, 'officer-review');
  await officer.decideReview('upheld');
  await officer.openQueue();
  await expect(page.locator(`[data-testid="officer-case"][data-number="${c.number}"]`)).toHaveCount(0);

  // The admin: Harbin's profile is valid; the outbox shows the codes and the notices.
  const { page: adminPage } = await actor('console');
  const admin = new Admin(adminPage, 'harbin');
  await admin.signIn();
  await admin.open();
  await admin.expectProfileValid();
  await expect(adminPage.getByTestId('service-hours')).toContainText('07:00–19:00');
  const texts = await admin.smsMessages(PARTY_PHONE);
  expect(texts.some((t) => t.includes(number))).toBe(true);
  expect(texts.some((t) => t.includes('驶离') || t.includes('撤离'))).toBe(true);
  expect(await admin.latestCode(PARTY_PHONE)).toBe(c.code);
  const other = await admin.smsMessages(OTHER_PHONE);
  expect(other.some((t) => t.includes(number)), 'the other party is served by SMS too').toBe(true);
  await admin.smsMessages();
  await shot(adminPage, 'admin');
});

test('a review that revises the determination opens the form again with the grades as issued; the new document is served', async ({ actor, api, shot }) => {
  await api.setClock(at('11:00'));
  const { page } = await actor('console');
  const media = await makeMedia(page);
  const c = await evacuatedCase(api, media, '13800000111');
  const officer = new Officer(page, 'harbin');
  await officer.signIn();
  await officer.openCase(c.number);
  await officer.determine({
    parties: [
      { liability: 'primary', fault: '未与前车保持足以采取紧急制动措施的安全距离' },
      { liability: 'secondary', fault: '变更车道时影响相关车道内机动车正常行驶' },
    ],
  });
  const first = await officer.expectIssued();

  await api.call('POST', `/api/cases/${c.id}/reviews`, { reason: '乙方并未变道，请求复核。' }, c.party);
  await officer.decideReview('revised');
  const form = page.getByTestId('determination-form');
  await expect(form.getByRole('heading')).toHaveText(/重新认定/);
  await expect(page.getByTestId('party-0').getByRole('radio', { name: '主要', exact: true })).toBeChecked();
  await expect(page.getByTestId('party-1').getByRole('checkbox', { name: '变更车道时影响相关车道内机动车正常行驶' })).toBeChecked();
  await form.scrollIntoViewIfNeeded();
  await shot(page, 'officer-redetermine');

  await officer.determine({ parties: [{ liability: 'full' }, { liability: 'none', fault: '无' }] });
  const second = await officer.expectIssued();
  expect(second).not.toBe(first);
  const mine = await api.call<{ state: string; determination: { number: string; parties: Array<{ liability: string; faultBehaviour: string }> } }>('GET', `/api/cases/${c.id}`, undefined, c.party);
  expect(mine.state).toBe('served');
  expect(mine.determination.number).toBe(second);
  expect(mine.determination.parties.map((p) => [p.liability, p.faultBehaviour])).toEqual([['full', '未与前车保持足以采取紧急制动措施的安全距离'], ['none', '无']]);
});

/** The text of a PDF through poppler's pdftotext (installed by the bootstrap), whitespace removed. */
function pdfText(bytes: Buffer): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'kc-pdf-')), 'd.pdf');
  writeFileSync(file, bytes);
  const r = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.replace(/\s+/g, '');
}

test('one name per insurer, from the city profile: the officer desk and the party app show 中国平安, the e-determination its legal name, the confirmed place and the vehicle type', async ({ actor, api, server, shot }) => {
  await api.setClock(at('12:00'));
  const { page } = await actor('console');
  const media = await makeMedia(page);
  const c = await evacuatedCase(api, media, '13800000121');
  const city = await api.call<{ insurers: Array<{ id: string; name: { zh: string }; legalName: string }> }>('GET', '/api/cities/harbin');
  const named = (id: string) => city.insurers.find((i) => i.id === id)!;
  expect(named('pingan').name.zh).toBe('中国平安');

  // The desk drafts each car's insurer from the 交强险 checks: 黑A12345 with PICC, 黑AD56789 with Ping An.
  const officer = new Officer(page, 'harbin');
  await officer.signIn();
  await officer.openCase(c.number);
  await officer.determine({ parties: [{ liability: 'full', fault: '未与前车保持足以采取紧急制动措施的安全距离' }, { liability: 'none', fault: '无' }] });
  await officer.expectIssued();
  const desk = page.getByTestId('issued-insurer');
  await expect(desk).toHaveText([named('picc').name.zh, named('pingan').name.zh]);
  await page.getByTestId('determination-issued').scrollIntoViewIfNeeded();
  await shot(page, 'labels-officer-issued');

  // The party's page names them the same way.
  const phone = await actor('phone');
  await phone.context.addCookies([{ name: 'kc_session', value: c.party, url: server.url }]);
  const party = new Party(phone.page, 'harbin');
  await party.openProgress();
  await party.openCase(c.number);
  await party.expectDetermination();
  await expect(phone.page.getByTestId('det-insurer')).toHaveText([named('picc').name.zh, named('pingan').name.zh]);
  await phone.page.getByTestId('determination').scrollIntoViewIfNeeded();
  await shot(phone.page, 'labels-party-determination');

  // The document: the legal names (never an id or another name), the place the seat confirmed beside the coordinates, the vehicle type.
  const text = pdfText(await (await page.request.get(`/api/cases/${c.id}/document.pdf`)).body());
  for (const id of ['picc', 'pingan']) expect(text).toContain(named(id).legalName);
  for (const wrong of ['pingan', 'picc', '平安保险']) expect(text).not.toContain(wrong);
  expect(text).toMatch(/事故地点哈尔滨道里区中央大街与西十二道街交口（东经126\.617000°，北纬45\.773000°）/);
  expect(text).toContain('车辆类型小型汽车');
  expect(text).not.toMatch(/车辆类型—/);
});
