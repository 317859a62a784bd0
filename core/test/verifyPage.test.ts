/**
 * The address printed on an e-determination, `/verify/:code`, read by a browser and by a
 * program: a request whose Accept names text/html gets the web app's index.html (which shows
 * the verdict, web/src/verify), anything else the JSON that also lives at `/api/verify/:code`.
 * The server here serves a small stand-in web build (KUAICHU_WEB_DIR), so this file needs no
 * Vite build and can tell the page it got.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { forTenant } from '../src/db/tenantDb.ts';

const webDir = mkdtempSync(path.join(tmpdir(), 'kuaichu-web-'));
const INDEX = '<!doctype html><html><head><title>kuaichu</title></head><body><div id="app" data-page="verify-test"></div></body></html>';
writeFileSync(path.join(webDir, 'index.html'), INDEX);
mkdirSync(path.join(webDir, 'assets'));
// paths.ts reads the variable when it is first imported: set it before the core is loaded.
process.env.KUAICHU_WEB_DIR = webDir;
const { startTestCore } = await import('@kuaichu/testkit/core');
const { recordHarbinChecklist } = await import('@kuaichu/testkit/harbinCase');
type TestCore = Awaited<ReturnType<typeof startTestCore>>;

const DAOLI = { lng: 126.617, lat: 45.773 };
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const UNKNOWN = 'ABCDEFGHIJKLMNOP';

/** Harbin 道里区: report, answer, the checklist, leave, and the officer's determination, served. Its verification code. */
async function servedDetermination(t: TestCore): Promise<string> {
  const party = await t.party('harbin', '13800000301');
  const seat = await t.staff('harbin', 'seat-daoli');
  const ok = (r: { statusCode: number; body: string }, status = 200) => assert.equal(r.statusCode, status, r.body);
  ok(await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } }));
  const reported = await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'verify-page-case-1', report: { location: DAOLI, kind: 'motor_motor' } } });
  ok(reported, 201);
  const id = reported.json().id as string;
  await t.core.tick();
  ok(await t.call('POST', `/api/cases/${id}/answer`, { token: seat }));
  await recordHarbinChecklist(t, id, seat);
  ok(await t.call('POST', `/api/cases/${id}/evacuate`, { token: seat }));
  const determined = await t.call('POST', `/api/cases/${id}/determination`, {
    token: await t.staff('harbin', 'officer'),
    body: {
      facts: '2026年6月1日9时55分，张伟驾驶黑A12345在道里区中央大街追尾李娜驾驶的黑AD56789。',
      parties: [
        { name: '张伟', plate: '黑A12345', vehicleClass: 'small_car', insurerId: 'picc', faultBehaviour: '未与前车保持安全距离', liability: 'full' },
        { name: '李娜', phone: '13800000302', plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' },
      ],
    },
  });
  ok(determined, 201);
  assert.equal(determined.json().state, 'served');
  const mine = (await t.call('GET', `/api/cases/${id}`, { token: party })).json();
  return new URL(mine.determination.verifyUrl as string).pathname.split('/').pop()!;
}

describe('GET /verify/:code: the page for a browser, JSON for a program', () => {
  let t: TestCore;
  let code: string;
  before(async () => {
    t = await startTestCore({ kind: 'pglite' });
    code = await servedDetermination(t);
  });
  after(async () => {
    await t?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  test('the printed address: a browser gets the web app, revalidated every time', async () => {
    const r = await t.call('GET', `/verify/${code}`, { headers: { accept: BROWSER } });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.equal(r.body, INDEX);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers.vary), /accept/i);
    const head = await t.call('HEAD', `/verify/${code}`, { headers: { accept: BROWSER } });
    assert.equal(head.statusCode, 200);
    assert.match(String(head.headers['content-type']), /^text\/html/);
  });

  test('the printed address: no Accept, application/json or */* get the JSON, as before', async () => {
    for (const headers of [{}, { accept: 'application/json' }, { accept: '*/*' }] as Array<Record<string, string>>) {
      const r = await t.call('GET', `/verify/${code}`, { headers });
      assert.equal(r.statusCode, 200, r.body);
      assert.match(String(r.headers['content-type']), /^application\/json/, JSON.stringify(headers));
      assert.match(String(r.headers.vary), /accept/i);
      const v = r.json();
      assert.deepEqual([v.authentic, v.intact, v.bureau.zh], [true, true, '哈尔滨市公安局交通警察支队']);
      assert.match(v.number, /^HRB-2026-\d{6}$/);
      assert.deepEqual(v.parties.map((p: { name: string; plate: string; liability: string }) => [p.name, p.plate, p.liability]), [['张*', '黑A1***5', 'full'], ['李*', '黑AD****9', 'none']]);
      assert.ok(v.servedAt);
    }
  });

  test('/api/verify/:code answers the same JSON whatever the Accept (the page reads it)', async () => {
    const printed = (await t.call('GET', `/verify/${code}`)).json();
    for (const accept of [undefined, 'application/json', BROWSER]) {
      const r = await t.call('GET', `/api/verify/${code}`, { headers: accept ? { accept } : {} });
      assert.equal(r.statusCode, 200, r.body);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.deepEqual(r.json(), printed);
    }
    // As typed from the print (groups of four, lower case) it is the same document.
    const typed = `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}-${code.slice(12)}`.toLowerCase();
    assert.equal((await t.call('GET', `/api/verify/${typed}`)).json().number, printed.number);
  });

  test('an unknown code: 404 JSON for a program, the page for a browser (the page says not found)', async () => {
    for (const url of [`/api/verify/${UNKNOWN}`, `/verify/${UNKNOWN}`, '/api/verify/not-a-code']) {
      const r = await t.call('GET', url);
      assert.equal(r.statusCode, 404, url);
      assert.equal(r.json().error.code, 'KC_DOCUMENT_NOT_FOUND', url);
    }
    const browser = await t.call('GET', `/api/verify/${UNKNOWN}`, { headers: { accept: BROWSER } });
    assert.equal(browser.statusCode, 404, 'the API stays JSON for a browser too');
    assert.equal(browser.json().error.code, 'KC_DOCUMENT_NOT_FOUND');
    for (const typed of [UNKNOWN, 'not-a-code']) {
      const page = await t.call('GET', `/verify/${typed}`, { headers: { accept: BROWSER } });
      assert.equal(page.statusCode, 200, typed);
      assert.equal(page.body, INDEX);
    }
  });

  test('stored content changed after issue: still found, no longer authentic', async () => {
    const harbin = forTenant(t.db, 'harbin');
    const [row] = await harbin.query<{ number: string }>('SELECT number FROM determinations WHERE verify_code = $1', [code]);
    await harbin.query(`UPDATE determinations SET content = jsonb_set(content, '{facts}', to_jsonb('改过的事实'::text)) WHERE verify_code = $1`, [code]);
    const r = await t.call('GET', `/api/verify/${code}`);
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual([r.json().number, r.json().authentic, r.json().intact], [row!.number, false, true]);
  });

  test('the OpenAPI document lists both, under documents', async () => {
    const doc = (await t.call('GET', '/docs/json')).json();
    for (const p of ['/api/verify/{code}', '/verify/{code}']) {
      const get = doc.paths[p]?.get;
      assert.ok(get, p);
      assert.deepEqual(get.tags, ['documents']);
      assert.equal(get.responses['200'].content['application/json'].schema.title, 'DocumentVerification');
      assert.equal(get.responses['404'].content['application/json'].schema.title, 'ErrorResponse');
    }
    assert.match(doc.paths['/verify/{code}'].get.summary, /browser/);
  });
});
