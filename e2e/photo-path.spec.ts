/**
 * Issue 18: the 12123 photo path (事故快处) with two phones (party A and party B, 375×812), on
 * Kunming (both paths): A reports and chooses the photo path, takes the required shots by the
 * illustrated guides (a blank photo is refused), leaves the scene; B joins by the SMS link (or by
 * case number after an SMS sign-in), sees A's photos and statement, enters their own; then
 * (1) they agree, both sign by SMS code, the 自行协商协议书 PDF is served and verified on /verify;
 * (2) they disagree, ask the police, the officer asks B for one more photo, decides on the
 * officer desk, both acknowledge the served determination. Refusals: the photo path not offered
 * to a single-vehicle or an injury accident, a stranger's phone as party B, signing twice.
 */
import sharp from 'sharp';
import { expect, type Page } from '@playwright/test';
import { PLACES } from '@kuaichu/testkit/places';
import { test } from './support/fixtures.ts';
import { Party } from './pages/Party.ts';
import { Officer } from './pages/Officer.ts';
import { at } from './support/day.ts';
import type { Api } from './support/api.ts';

const [lng, lat] = PLACES.kunming.盘龙区;
const PANLONG = { latitude: lat, longitude: lng };
const PLATES = ['云A12345', '云A67890'];
const FOLLOWING = '未与前车保持足以采取紧急制动措施的安全距离';

/** A phone photo with something in it (a road-grey gradient, a car-coloured block, noise); `seed` makes each differ. */
async function scene(seed: number): Promise<Buffer> {
  const width = 800, height = 600;
  const px = Buffer.alloc(width * height * 3);
  let s = seed;
  const noise = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 21) - 10;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const car = x > width / 4 && x < (3 * width) / 4 && y > height / 3 && y < (2 * height) / 3;
      const base = car ? [180, 30 + seed, 40] : [90 + (y * 80) / height, 90 + (y * 80) / height, 95 + (y * 80) / height];
      for (let c = 0; c < 3; c++) px[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, base[c]! + noise()));
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}
const blank = () => sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 0, g: 0, b: 0 } } }).jpeg().toBuffer();

/** The newest SMS text sent to a phone (the development outbox, newest first). */
async function sms(api: Api, phone: string): Promise<Array<{ text: string; kind: string }>> {
  return (await api.asStaff<{ messages: Array<{ text: string; kind: string }> }>('kunming', 'admin', 'GET', `/api/admin/sms-outbox?to=${phone}`)).messages;
}

/** The newest code in a phone's SMS, '' when none (a case or document number is not a code). */
async function codeNow(api: Api, phone: string): Promise<string> {
  for (const m of await sms(api, phone)) {
    const c = /(\d{6})/.exec(m.text.replace(/[A-Z]+(-[A-Z]+)?-[\d-]+/g, ''))?.[1];
    if (c) return c;
  }
  return '';
}

/** Waits for a code newer than `not`. */
async function newestCode(api: Api, phone: string, not: string): Promise<string> {
  let code = '';
  await expect.poll(async () => (code = await codeNow(api, phone)) !== '' && code !== not).toBe(true);
  return code;
}

/** Party A: opens Kunming, signs in, reports two cars, no injury, and takes the photo path naming B's phone. Returns the case id. */
async function reportOnPhotoPath(party: Party, api: Api, a: string, b: string): Promise<string> {
  await party.open();
  await party.passSafety();
  await party.signIn(a, () => api.smsCode('kunming', a));
  await party.fillReport({ district: '盘龙区', plates: PLATES, address: '盘龙区北京路与白塔路口' });
  return party.submitPhotoPath(b);
}

async function takeShot(page: Page, shot: string, bytes: Buffer, have: number, need: number): Promise<void> {
  const card = page.getByTestId(`shot-${shot}`);
  await card.locator('input[type="file"]').setInputFiles({ name: `${shot}.jpg`, mimeType: 'image/jpeg', buffer: bytes });
  await expect(card.getByTestId('shot-count')).toHaveText(`已拍 ${have}/${need}`);
}

/** Every required shot (each vehicle's side-front and side-rear, the collision point), then 撤离. */
async function captureAndLeave(page: Page, shot: (p: Page, n: string) => Promise<void>, prefix: string, seed: number, opts: { offlineOnce?: boolean } = {}): Promise<void> {
  await expect(page.getByTestId('illustration-side_front')).toBeVisible();
  await expect(page.getByTestId('capture-progress')).toHaveText('必拍照片 0/5');
  await shot(page, `${prefix}-capture-start`);
  await takeShot(page, 'side_front', await scene(seed + 1), 1, 2);
  await takeShot(page, 'side_front', await scene(seed + 2), 2, 2);
  await takeShot(page, 'side_rear', await scene(seed + 3), 1, 2);
  await takeShot(page, 'side_rear', await scene(seed + 4), 2, 2);
  if (opts.offlineOnce) {
    // The network drops as the last photo is taken: it is kept and uploads by itself when the network is back.
    const card = page.getByTestId('shot-collision_point');
    await page.context().setOffline(true);
    await card.locator('input[type="file"]').setInputFiles({ name: 'collision_point.jpg', mimeType: 'image/jpeg', buffer: await scene(seed + 5) });
    await expect(card.getByTestId('shot-waiting-network')).toHaveText('网络已断开。照片已保存，网络恢复后会自动上传，请勿关闭本页面。');
    await shot(page, `${prefix}-shot-waiting-network`);
    await page.context().setOffline(false);
    await expect(card.getByTestId('shot-count')).toHaveText('已拍 1/1');
    await expect(card.getByTestId('shot-waiting-network')).toHaveCount(0);
  } else {
    await takeShot(page, 'collision_point', await scene(seed + 5), 1, 1);
  }
  await expect(page.getByTestId('capture-progress')).toHaveText('必拍照片 5/5');
  await shot(page, `${prefix}-capture-done`);
  await page.getByRole('button', { name: '照片已拍齐，立即撤离' }).click();
  await expect(page.getByTestId('photo-case')).toHaveAttribute('data-state', 'photo_statements');
  await expect(page.getByTestId('moved')).toBeVisible();
}

async function fillStatement(page: Page, p: { name: string; number: string; insurer: string; collision: string; parts: string[]; account?: string }): Promise<void> {
  const form = page.getByTestId('statement-form');
  await form.getByLabel('姓名').fill(p.name);
  await form.getByLabel('驾驶证号（身份证号）').fill(p.number);
  await form.getByLabel('交强险保险公司').selectOption({ label: p.insurer });
  await form.getByLabel('碰撞形态').selectOption({ label: p.collision });
  for (const part of p.parts) await form.getByRole('checkbox', { name: part }).check();
  if (p.account) await form.getByLabel('事故经过（选填）').fill(p.account);
  await form.getByRole('button', { name: '提交我的信息' }).click();
  await expect(form.getByRole('button', { name: '更新我的信息' })).toBeVisible();
}

/** The join link of the newest invitation SMS to B. */
async function joinLink(api: Api, phone: string): Promise<string> {
  let token = '';
  await expect.poll(async () => (token = /\/join\/([A-Za-z0-9_-]+)/.exec((await sms(api, phone)).map((m) => m.text).join('\n'))?.[1] ?? '')).not.toBe('');
  return `/m/kunming/join/${token}`;
}

async function signWithCode(page: Page, api: Api, phone: string): Promise<void> {
  const before = await codeNow(api, phone);
  const box = page.getByTestId('sign');
  await box.getByRole('button', { name: '获取签名验证码' }).click();
  await expect(box.getByLabel('短信验证码')).toBeVisible();
  await box.getByLabel('短信验证码').fill(await newestCode(api, phone, before));
  await box.getByRole('button', { name: '同意并签名' }).click();
}

/** A POST from inside the party's page, with its session cookie and CSRF token (as the app sends it). */
function postFromPage(page: Page, path: string, body: unknown = {}): Promise<{ status: number; code: string | null }> {
  return page.evaluate(async ([p, b]) => {
    const res = await fetch(p as string, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': sessionStorage.getItem('kc_csrf') ?? '' }, body: JSON.stringify(b) });
    const json = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    return { status: res.status, code: json.error?.code ?? null };
  }, [path, body] as const);
}

test('(1) photo path → both statements → agreement → both sign (twice refused) → the 自行协商协议书 PDF verified on /verify', async ({ actor, api, shot }) => {
  await api.setClock(at('10:00'));
  const A = '13900018001', B = '13900018002';
  const phoneA = await actor('phone', { geolocation: PANLONG });
  const partyA = new Party(phoneA.page, 'kunming');
  const a = phoneA.page;
  await partyA.open();
  await partyA.passSafety();
  await partyA.signIn(A, () => api.smsCode('kunming', A));
  await partyA.fillReport({ district: '盘龙区', plates: PLATES, address: '盘龙区北京路与白塔路口' });
  await a.getByRole('button', { name: '提交，开始视频报警' }).click();
  await expect(a.getByTestId('path-choice')).toBeVisible();
  await expect(a.getByTestId('path-video')).toBeVisible();
  await partyA.expectNoHorizontalScroll();
  await shot(a, 'photo1-a-path-choice');
  await a.getByTestId('path-photo').getByRole('button', { name: '拍照快处：拍照后双方自行协商' }).click();
  await a.getByLabel('对方当事人手机号').fill(A);
  await a.getByRole('button', { name: '开始拍照' }).click();
  await expect(a.getByText('这是您自己的手机号，请填写对方的')).toBeVisible();
  await a.getByLabel('对方当事人手机号').fill(B);
  await a.getByRole('button', { name: '开始拍照' }).click();
  await expect(a.getByTestId('photo-capture')).toBeVisible();
  const id = /\/photo\/([^/?#]+)/.exec(a.url())![1]!;

  // A blank frame (lens covered) is refused with a clear message and not counted.
  await a.getByTestId('shot-side_front').locator('input[type="file"]').setInputFiles({ name: 'blank.jpg', mimeType: 'image/jpeg', buffer: await blank() });
  await expect(a.getByTestId('shot-side_front').getByRole('alert')).toHaveText('照片一片空白，请对准现场重新拍摄');
  await expect(a.getByTestId('shot-side_front').getByTestId('shot-count')).toHaveText('已拍 0/2');
  await shot(a, 'photo1-a-blank-refused');
  await captureAndLeave(a, shot, 'photo1-a', 1, { offlineOnce: true });
  await partyA.expectNoHorizontalScroll();
  await shot(a, 'photo1-a-statements');
  await fillStatement(a, { name: '张三', number: '530102199001011234', insurer: '中国人保', collision: '追尾碰撞', parts: ['前保险杠'], account: '我车跟车过近追尾前车' });

  // Party B opens the SMS link on their own phone: signed in and joined; sees A's photos and statement.
  const phoneB = await actor('phone', { geolocation: PANLONG });
  const b = phoneB.page;
  await b.goto(await joinLink(api, B));
  await expect(b.getByTestId('photo-case')).toHaveAttribute('data-role', 'B');
  await expect(b.getByTestId('photo-case')).toHaveAttribute('data-state', 'photo_statements');
  await expect(b.getByTestId('photo-list').locator('img')).toHaveCount(5);
  await expect(b.getByTestId('party-A')).toContainText('张三');
  await expect(b.getByTestId('party-A')).toContainText('追尾碰撞');
  await shot(b, 'photo1-b-joined');
  await fillStatement(b, { name: '李四', number: '530102198502025678', insurer: '中国平安', collision: '追尾碰撞', parts: ['后保险杠'] });
  await shot(b, 'photo1-b-statement-sent');

  // A (kept fresh by the live channel) proposes: A full (following too close), B none.
  const form = a.getByTestId('liability-form');
  await expect(form).toBeVisible();
  await form.getByLabel('事故责任').first().selectOption('full');
  await expect(form.locator('select[name="grade-B"]')).toHaveValue('none');
  await form.locator('select[name="fault-A"]').selectOption({ label: FOLLOWING });
  await shot(a, 'photo1-a-liability');
  await form.getByRole('button', { name: '提交责任协商结果' }).click();
  await expect(a.getByTestId('photo-case')).toHaveAttribute('data-state', 'agreement_pending');
  await expect(a.getByTestId('proposal')).toContainText('全部责任');

  await signWithCode(a, api, A);
  await expect(a.getByText('您已签名，等待对方签名。')).toBeVisible();
  await shot(a, 'photo1-a-signed');
  // Signing twice: refused before any SMS.
  expect(await postFromPage(a, `/api/photo-cases/${id}/sign/code`)).toEqual({ status: 409, code: 'KC_ALREADY_SIGNED' });

  await expect(b.getByTestId('photo-case')).toHaveAttribute('data-state', 'agreement_pending');
  await expect(b.getByTestId('signed-A')).toContainText('已签名');
  await shot(b, 'photo1-b-to-sign');
  await signWithCode(b, api, B);

  for (const [page, who] of [[a, 'a'], [b, 'b']] as const) {
    await expect(page.getByTestId('photo-case')).toHaveAttribute('data-state', 'agreed');
    await expect(page.getByTestId('photo-document')).toHaveAttribute('data-kind', 'agreement');
    await expect(page.getByTestId('document-pdf')).toBeVisible();
    await shot(page, `photo1-${who}-agreement`);
  }
  const pdf = await a.request.get((await a.getByTestId('document-pdf').getAttribute('href'))!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toMatch(/^application\/pdf/);
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

  await b.getByTestId('document-verify').click();
  await expect(b.getByTestId('verify-verdict')).toHaveAttribute('data-verdict', 'valid');
  await expect(b.getByTestId('verify-kind')).toHaveAttribute('data-kind', 'agreement');
  await shot(b, 'photo1-b-verified');
});

test('(2) they disagree → the police decide online (one more photo asked of B) → both acknowledge the served determination; a stranger cannot join', async ({ actor, api, shot }) => {
  await api.setClock(at('11:00'));
  const A = '13900018011', B = '13900018012', STRANGER = '13900018013';
  const phoneA = await actor('phone', { geolocation: PANLONG });
  const a = phoneA.page;
  const id = await reportOnPhotoPath(new Party(a, 'kunming'), api, A, B);
  await captureAndLeave(a, shot, 'photo2-a', 20);
  const number = (await api.asStaff<{ number: string }>('kunming', 'officer', 'GET', `/api/photo-cases/${id}`)).number;
  await fillStatement(a, { name: '王五', number: '530102199203034321', insurer: '太平洋保险', collision: '同向刮擦', parts: ['右前部'] });

  // A stranger signs in and types the case number: refused.
  const strangerPhone = await actor('phone');
  const s = strangerPhone.page;
  const stranger = new Party(s, 'kunming');
  await s.goto('/m/kunming/join');
  await s.getByRole('button', { name: '手机号登录' }).click();
  await stranger.signIn(STRANGER, () => api.smsCode('kunming', STRANGER));
  await s.getByLabel('案件编号').fill(number);
  await s.getByRole('button', { name: '加入案件' }).click();
  await expect(s.getByRole('alert')).toHaveText('本手机号不是对方当事人填写的号码，无法加入该案件');
  await shot(s, 'photo2-stranger-refused');

  // B joins by case number after signing in with the phone A named.
  const phoneB = await actor('phone');
  const b = phoneB.page;
  await b.goto('/m/kunming/join');
  await b.getByRole('button', { name: '手机号登录' }).click();
  await new Party(b, 'kunming').signIn(B, () => api.smsCode('kunming', B));
  await b.getByLabel('案件编号').fill(number);
  await shot(b, 'photo2-b-join-by-number');
  await b.getByRole('button', { name: '加入案件' }).click();
  await expect(b.getByTestId('photo-case')).toHaveAttribute('data-role', 'B');
  await fillStatement(b, { name: '赵六', number: '530102198804045555', insurer: '中国人保', collision: '同向刮擦', parts: ['左前部'] });

  // A proposes B at fault; B disagrees and asks the police.
  const form = a.getByTestId('liability-form');
  await expect(form).toBeVisible();
  await form.locator('select[name="grade-A"]').selectOption('none');
  await form.locator('select[name="fault-B"]').selectOption({ label: '变更车道时影响相关车道内机动车正常行驶' });
  await form.getByRole('button', { name: '提交责任协商结果' }).click();
  await expect(b.getByTestId('photo-case')).toHaveAttribute('data-state', 'agreement_pending');
  const ask = b.getByTestId('ask-police');
  await ask.getByRole('button', { name: '申请在线定责' }).click();
  await ask.getByLabel('双方对责任有争议').check();
  await ask.getByLabel('补充说明（选填）').fill('是对方变道刮擦我车');
  await shot(b, 'photo2-b-ask-police');
  await ask.getByRole('button', { name: '提交给交警' }).click();
  for (const page of [a, b]) await expect(page.getByTestId('online-wait')).toBeVisible();
  await shot(a, 'photo2-a-online-wait');

  // The officer, on the desk, asks B for one more photo (an empty note is refused first); B's phone shows it and B answers it.
  const desk = await actor('console');
  const officer = new Officer(desk.page, 'kunming');
  await officer.signIn();
  await officer.openCaseById(id);
  await shot(desk.page, 'photo2-officer-case');
  const more = desk.page.getByTestId('officer-photo-requests');
  await more.getByRole('button', { name: '通知当事人补拍' }).click();
  await expect(more.getByRole('alert')).toHaveText('请填写补拍内容（2 至 300 字）。');
  await more.getByLabel('请当事人补拍的内容').fill('请补拍您车辆左前部损伤近景');
  await more.getByLabel('乙方').check();
  await more.getByRole('button', { name: '通知当事人补拍' }).click();
  await expect(more.getByTestId('officer-photo-request')).toHaveAttribute('data-fulfilled', 'false');
  await expect(more.getByTestId('officer-photo-request')).toContainText('请补拍您车辆左前部损伤近景');
  await expect(more.getByRole('alert')).toHaveCount(0);
  await shot(desk.page, 'photo2-officer-photo-request');
  const request = b.getByTestId('photo-request');
  await expect(request).toContainText('请补拍您车辆左前部损伤近景');
  await expect(a.getByTestId('photo-request')).toHaveCount(0);
  await shot(b, 'photo2-b-photo-request');
  await request.locator('input[type="file"]').setInputFiles({ name: 'extra.jpg', mimeType: 'image/jpeg', buffer: await scene(40) });
  await expect(request).toHaveCount(0);
  await expect(b.getByTestId('photo-list').locator('img')).toHaveCount(6);
  // The desk hears the answer live: the request is marked answered.
  await expect(more.getByTestId('officer-photo-request')).toHaveAttribute('data-fulfilled', 'true');

  // The officer decides on the desk.
  await officer.determine({ facts: '两车同向行驶，乙方变更车道时与甲方车辆发生刮擦，无人员受伤。', parties: [
    { liability: 'none', fault: '无', name: '王五', plate: PLATES[0] },
    { liability: 'full', fault: '变更车道时影响相关车道内机动车正常行驶', name: '赵六', plate: PLATES[1] },
  ] });
  await officer.expectIssued();
  await shot(desk.page, 'photo2-officer-issued');

  for (const [page, who] of [[a, 'a'], [b, 'b']] as const) {
    const doc = page.getByTestId('photo-document');
    await expect(doc).toHaveAttribute('data-kind', 'determination');
    await shot(page, `photo2-${who}-determination`);
    await doc.getByRole('button', { name: '签收认定书' }).click();
    await expect(doc.getByTestId('acknowledged')).toBeVisible();
    await shot(page, `photo2-${who}-acknowledged`);
  }
  const after = await api.asStaff<{ state: string; parties: Array<{ acknowledgedAt: string | null }> }>('kunming', 'officer', 'GET', `/api/photo-cases/${id}`);
  expect(after.state).toBe('served');
  expect(after.parties.every((p) => p.acknowledgedAt)).toBe(true);
});

test('(3) refusals at the path choice: a single vehicle or an injury may not take the photo path (the video call is still offered)', async ({ actor, api, shot }) => {
  await api.setClock(at('12:00'));
  const { page } = await actor('phone', { geolocation: PANLONG });
  const party = new Party(page, 'kunming');
  await party.open();
  await party.passSafety();
  await party.signIn('13900018021', () => api.smsCode('kunming', '13900018021'));
  await party.fillReport({ kind: 'single_vehicle', district: '盘龙区', plates: [PLATES[0]!], address: '盘龙区北京路' });
  await page.getByRole('button', { name: '提交，开始视频报警' }).click();
  const photo = page.getByTestId('path-photo');
  await expect(photo.getByTestId('photo-not-here')).toBeVisible();
  await expect(photo.getByRole('button')).toHaveCount(0);
  await expect(page.getByTestId('path-video').getByRole('button', { name: '视频快处：与交警视频连线' })).toBeEnabled();
  await shot(page, 'photo3-single-vehicle');

  await page.reload();
  await party.fillReport({ district: '盘龙区', plates: PLATES, injury: 'minor', address: '盘龙区北京路' });
  await page.getByRole('button', { name: '提交，开始视频报警' }).click();
  await expect(page.getByTestId('path-photo').getByTestId('photo-not-here')).toBeVisible();
  await expect(page.getByTestId('path-photo').locator('li').first()).toBeVisible();
  await shot(page, 'photo3-injury');
});
