/**
 * The cross-tenant probe (issue 11): every route in fastify's own route table, tried with the
 * ids of a Harbin case (the case, its evidence file, its review, its document's code, a Harbin
 * staff name) by every role of Kunming (seat, officer, analyst, provincial analyst, admin, supervisor), a
 * Kunming party, a Harbin party of another phone, and nobody. Zero leaks: a route aimed at the
 * Harbin case answers 401/403/404, no answer carries the case's data, nothing answers 5xx, and
 * the case is as it was afterwards. A route added without a probe recipe fails the test, so the
 * probe keeps covering the whole API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import { solidPng } from '@kuaichu/plugin-recognition-dev';
import { DEMO_PASSWORD, multipart, startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { recordHarbinChecklist } from '@kuaichu/testkit/harbinCase';
import { PLACES } from './helpers.ts';
import { forTenant } from '../src/db/tenantDb.ts';

const DAOLI = { lng: PLACES.harbin.道里区[0], lat: PLACES.harbin.道里区[1] };
const VICTIM_PHONE = '13800000401';
const VICTIM_OTHER_PHONE = '13800000402';
const QUEUED_PHONE = '13800000403';

/** How to call a route: its body (or multipart form) and query; `deny`: every prober must be refused, even where the route is their own city's. */
interface Recipe {
  body?: unknown;
  form?: () => { body: Buffer; headers: Record<string, string> };
  query?: string;
  deny?: boolean;
}

let probeKey = 0;
const png = () => multipart({ item: 'collision_closeups' }, { name: 'probe.png', bytes: solidPng(4, 4, [9, 9, 9]), type: 'image/png' });

/** One recipe per route that takes input or must be refused; every POST needs one (a new route fails until it has one). */
const RECIPES: Record<string, Recipe> = {
  'POST /api/auth/login': { body: { tenant: 'harbin', username: 'probe-nobody', password: 'not-the-password' } },
  'POST /api/auth/logout': {},
  'POST /api/cities/:tenant/check': { body: { location: DAOLI, kind: 'motor_motor' } },
  'POST /api/cities/:tenant/party/code': { body: { phone: '13900000499' } },
  'POST /api/cities/:tenant/party/session': { body: { phone: '13900000499', code: '000000', challenge: 'AAAAAAAAAAAAAAAAAAAAAAAA' } },
  'POST /api/cities/:tenant/party/channel-session': { body: { token: 'not-a-channel-token' } },
  'POST /api/cases': { get body() { return { clientKey: `probe-${++probeKey}-abcdef`, report: { location: DAOLI, kind: 'motor_motor' } }; } },
  'POST /api/cases/:id/resume': {},
  'POST /api/cases/:id/abandon': {},
  'POST /api/cases/:id/answer': {},
  'POST /api/cases/:id/drop': {},
  'POST /api/cases/:id/evacuate': {},
  'POST /api/cases/:id/claims': {},
  'POST /api/cases/:id/reviews': { body: { reason: '探测：对认定有异议。' } },
  'POST /api/cases/:id/reviews/:reviewId/decision': { body: { outcome: 'upheld' } },
  'POST /api/cases/:id/checks': { body: { driver: { name: '王五', idNumber: '230102198503127810' }, plate: '黑A12345' } },
  'POST /api/cases/:id/evidence': { body: { item: 'note', data: { text: '探测备注' } } },
  'POST /api/cases/:id/evidence/file': { form: png },
  'POST /api/cases/:id/checks/plate-review': { body: { reading: '00000000-0000-4000-8000-000000000000', plate: '黑A12345' } },
  'POST /api/cases/:id/licence-reading': { body: { photo: '0'.repeat(64) } },
  // The photo path's shot check (issue 18) takes the city from the session: a prober checks against its own city.
  'POST /api/photo-path/shots/:shot/check': { form: png },
  // The photo path's case (issue 18): the Harbin case is a video case of another city — every case route answers 404.
  'POST /api/photo-cases': { get body() { return { clientKey: `probe-photo-${++probeKey}-abcdef`, report: { location: DAOLI, kind: 'motor_motor' }, otherPartyPhone: '13900000497' }; } },
  'POST /api/photo-cases/join': { body: { caseNumber: 'HRB-260601-000001' } },
  'POST /api/cities/:tenant/photo-join': { body: { token: 'probe-token-aaaaaaaaaaaaaaaaaaaa' } },
  'POST /api/photo-cases/:id/shots/:shot': { form: png },
  'POST /api/photo-cases/:id/leave-scene': {},
  'POST /api/photo-cases/:id/invite': { body: { phone: '13900000496' } },
  'POST /api/photo-cases/:id/statement': { body: { licence: { name: '探测', number: '230102198503127810' }, vehicle: { plate: '黑A12345' }, statement: { place: '探测路', time: '2026-06-01T02:00:00.000Z', weather: 'sunny', collisionForm: 'rear_end', damagedParts: ['front_bumper'] } } },
  'POST /api/photo-cases/:id/liability': { body: { parties: [{ role: 'A', faultBehaviour: '探测', liability: 'full' }, { role: 'B', faultBehaviour: '无', liability: 'none' }] } },
  'POST /api/photo-cases/:id/sign/code': {},
  'POST /api/photo-cases/:id/sign': { body: { code: '000000', challenge: 'AAAAAAAAAAAAAAAAAAAAAAAA' } },
  'POST /api/photo-cases/:id/online': { body: { reason: 'asked' } },
  'POST /api/photo-cases/:id/acknowledge': {},
  'POST /api/photo-cases/:id/cancel': { body: { note: '探测撤销' } },
  'POST /api/photo-cases/:id/photo-requests': { body: { note: '探测补拍', from: 'A' } },
  'POST /api/cases/:id/escalate': { body: { reason: '探测升级' } },
  'POST /api/cases/:id/determination': { body: { facts: '探测：两车追尾。', parties: [
    { name: '王五', plate: '黑A12345', vehicleClass: 'small_car', insurerId: 'picc', faultBehaviour: '未保持安全距离', liability: 'full' },
    { name: '赵六', phone: '13900000498', plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' },
  ] } },
  'POST /api/seat/status': { body: { status: 'away' } },
  // Signed by the dispatch desk, not by a session: every prober (no signature) is refused with 401.
  'POST /api/integrations/dispatch/:tenant/status': { body: { ticket: 'CJ-20260601-0001', caseId: '00000000-0000-4000-8000-000000000000', status: 'arrived', at: '2026-06-01T02:00:00.000Z' }, deny: true },
  // Token-authenticated by the SMS gateway (Harbin sends through sms-dev, which takes no receipts): refused with 401.
  'POST /api/integrations/sms/:tenant/receipts/:vendor': { body: [], query: 'token=not-the-token', deny: true },
  'POST /api/admin/staff/:username/unlock': {},
  // Staff accounts and brigades (issue 17): aimed at Harbin's seat-daoli by name, or at a brigade by a case id — another city's
  // names are not found; creating is of the prober's own city (a Kunming admin makes a Kunming account or brigade once).
  'POST /api/admin/staff': { body: { username: 'probe-made', displayName: '探测', roles: ['officer'] } },
  'PATCH /api/admin/staff/:username': { body: { displayName: '探测改名', roles: ['officer'] } },
  'POST /api/admin/staff/:username/disable': { body: {} },
  'POST /api/admin/staff/:username/enable': { body: {} },
  'POST /api/admin/staff/:username/password': { body: {} },
  'POST /api/admin/brigades': { body: { id: 'probe-brigade', name: { zh: '探测大队' } } },
  'PATCH /api/admin/brigades/:id': { body: { name: { zh: '探测大队' } } },
  // Rosters (issue 17): a Harbin seat's shifts, aimed at by name; an empty roster is a valid body.
  'PUT /api/admin/seats/:username/roster': { body: { shifts: [] } },
  // The duty supervisor (issue 17) sends a waiting case to a seat: a Harbin case is not found by a Kunming supervisor.
  'POST /api/supervisor/cases/:id/reassign': { body: { seatId: '00000000-0000-4000-8000-000000000000' } },
  // CSV import of staff (issue 17): a dry run into the prober's own city (only an admin gets through).
  'POST /api/admin/staff/import': { body: { csv: 'username,displayName,roles\nprobe-import,探测,analyst\n', dryRun: true } },
  // Publishing (issue 17): a Kunming admin publishes only for Kunming (a dry run of a profile that is refused);
  // the platform routes are the operator's alone, so every prober here is turned away.
  // Partners and room invitations (issue 14): Kunming lists no partners (409 for its own admin); a Harbin case answers 404.
  'POST /api/admin/partners': { body: { kind: 'insurer', name: '探测保险公司' } },
  'POST /api/admin/partners/:orgId/people': { body: { username: 'probe-partner', displayName: '探测', password: 'Probe-lantern-9931' } },
  'POST /api/cities/:tenant/partner/session': { body: { username: 'probe-partner', password: 'Probe-lantern-9931' } },
  'POST /api/partner/invitations/accept': { body: { token: 'probe-token-aaaaaaaaaaaaaaaaaaaa' } },
  'POST /api/cities/:tenant/invitations/accept': { body: { token: 'probe-token-aaaaaaaaaaaaaaaaaaaa' } },
  'POST /api/cases/:id/invitations': { body: { role: 'party_b', phone: '13900000495' } },
  'POST /api/cases/:id/invitations/:invitationId/revoke': { body: {} },
  // Injury direct-pay and one-key rescue (issue 14, Yancheng's features): a Harbin case answers 404 before the feature check;
  // the hospital, insurer and tow routes are partners' only (403 for staff and parties; :billId/:rescueId stay unfilled: 404).
  'POST /api/cases/:id/direct-pay': { body: { injuredName: '探测', insurerId: 'picc' } },
  'POST /api/cases/:id/direct-pay/:billId/revoke': { body: {} },
  'POST /api/hospital/direct-pay/scan': { body: { code: 'AAAAAAAAAAAAAAAA' } },
  'POST /api/hospital/direct-pay/:billId/treatment': { body: { treatment: '探测', amountFen: 100 } },
  'POST /api/insurer/direct-pay/:billId/settle': { body: {} },
  'POST /api/cases/:id/rescue': { body: DAOLI },
  'POST /api/tow/position': { body: { plate: '黑A12345', lng: 126.617, lat: 45.773, available: true } },
  'POST /api/tow/rescues/:rescueId/accept': {},
  'POST /api/tow/rescues/:rescueId/decline': {},
  'POST /api/tow/rescues/:rescueId/arrived': {},
  'POST /api/tow/rescues/:rescueId/completed': {},
  // Offline service points (issue 14): a question about the prober's own city (none lists points: 409), nothing of the Harbin case.
  'POST /api/service-points/nearest': { body: DAOLI },
  // Online mediation (issue 14): a Harbin case answers 404 before the feature check; :mediationId stays unfilled (404).
  'POST /api/cases/:id/mediations': { body: { startsAt: '2099-06-01T10:30' } },
  'POST /api/mediations/:mediationId/open': { body: {} },
  'POST /api/mediations/:mediationId/outcome': { body: { agreed: false, reason: '探测' } },
  'POST /api/mediations/:mediationId/sign/code': {},
  'POST /api/mediations/:mediationId/sign': { body: { code: '123456', challenge: 'probe-challenge-aaaa' } },
  'POST /api/admin/profile/versions': { body: { fileName: 'probe.yaml', source: 'tenant: probe', dryRun: true } },
  'POST /api/admin/profile/versions/:version/activate': {},
  'GET /api/platform/tenants/:tenant/profile/versions': { deny: true },
  'GET /api/platform/tenants/:tenant/profile/versions/:version': { deny: true },
  'POST /api/platform/tenants/:tenant/profile/versions': { body: { fileName: 'harbin.yaml', source: 'tenant: harbin', dryRun: true }, deny: true },
  'POST /api/platform/tenants/:tenant/profile/versions/:version/activate': { deny: true },
  'POST /api/platform/tenants/:tenant/staff': { body: { username: 'probe-admin', displayName: '探测', roles: ['admin'], password: 'Probe-lantern-9931' }, deny: true },
  'GET /api/admin/sms-outbox': { query: `to=${VICTIM_PHONE}` },
  'POST /api/admin/sms-outbox/:id/resend': {},
  // Analytics is off in this core: a scope that let a prober through would answer 503, a failure here too.
  'GET /api/analytics/metrics': { query: 'tenants=harbin', deny: true },
  'GET /api/analytics/metrics.csv': { query: 'tenants=harbin', deny: true },
  'GET /api/analytics/geo': { query: 'tenant=harbin', deny: true },
};

/**
 * Open to anyone by design: the city is chosen in the address, or the caller holds the document's code.
 * /metrics is the operator's (this machine, or a bearer token: core/src/metrics/routes.ts); the probe
 * injects from loopback, and the figures carry no case data (core/test/metrics.test.ts).
 */
const PUBLIC = new Set(['/', '/healthz', '/readyz', '/metrics', '/api/cities', '/api/cities/:tenant', '/api/cities/:tenant/check', '/api/cities/:tenant/party/code',
  '/api/cities/:tenant/party/session', '/api/cities/:tenant/party/channel-session', '/api/cities/:tenant/photo-join', '/api/cities/:tenant/partner/session', '/api/cities/:tenant/invitations/accept', '/api/auth/login', '/api/auth/logout', '/api/verify/:code', '/verify/:code']);
/** WebSocket routes: a plain GET is no upgrade and answers 404; they are probed as sockets below. */
const WEBSOCKET = new Set(['/api/live']);
/** A document's verification page shows its number and hash to whoever holds the code (the QR on the paper). */
const SHOWS_DOCUMENT = new Set(['/api/verify/:code', '/verify/:code']);

/** Every method and path of the app, read from fastify's route tree (printRoutes), HEAD and the API docs left out. */
function routeTable(app: FastifyInstance): Array<{ method: string; url: string }> {
  const stack: string[] = [];
  const routes: Array<{ method: string; url: string }> = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─\s]*?)([^│├└─\s].*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4 - 1;
    assert.ok(Number.isInteger(depth) && depth >= 0, `route tree line not understood: ${JSON.stringify(line)}`);
    stack.length = depth;
    stack.push(m[2]!);
    const url = stack.join('');
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) {
      if (method === 'HEAD' || url.includes('*') || url.startsWith('/docs')) continue;
      routes.push({ method, url });
    }
  }
  return routes;
}

describe('cross-tenant probe: every route, with a Harbin case’s ids, as each role of Kunming and nobody', () => {
  let t: TestCore;
  const victim = { caseId: '', queuedId: '', number: '', queuedNumber: '', reviewId: '', files: [] as string[], code: '', docNumber: '', docSha: '', staffIds: [] as string[] };
  let before_: { state: string; seq: number; evidence: number; reviews: string };

  async function snapshot() {
    const harbin = forTenant(t.db, 'harbin');
    const [c] = await harbin.query<{ state: string; seq: number }>('SELECT state, seq FROM cases WHERE tenant = $1 AND id = $2', ['harbin', victim.caseId]);
    const [e] = await harbin.query<{ n: string }>('SELECT count(*) AS n FROM evidence WHERE tenant = $1 AND case_id = $2', ['harbin', victim.caseId]);
    const [q] = await harbin.query<{ state: string; seq: number }>('SELECT state, seq FROM cases WHERE tenant = $1 AND id = $2', ['harbin', victim.queuedId]);
    const reviews = (await harbin.query<{ status: string }>('SELECT * FROM reviews WHERE tenant = $1 AND case_id = $2', ['harbin', victim.caseId])).map((r) => JSON.stringify(r)).join();
    return { state: `${c!.state}/${q!.state}`, seq: c!.seq * 1000 + q!.seq, evidence: Number(e!.n), reviews };
  }

  before(async () => {
    t = await startTestCore({ kind: 'pglite' }, '2026-06-01T10:00:00+08:00');
    // The Harbin case: answered, evidence recorded, left the scene, determined and served, a review pending.
    const party = await t.party('harbin', VICTIM_PHONE);
    const seat = await t.staff('harbin', 'seat-daoli');
    assert.equal((await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } })).statusCode, 200);
    const reported = await t.call('POST', '/api/cases', { token: party, body: { clientKey: 'victim-case-abcdef', report: { location: DAOLI, kind: 'motor_motor' } } });
    assert.equal(reported.statusCode, 201, reported.body);
    victim.caseId = reported.json().id;
    victim.number = reported.json().number;
    await t.core.tick();
    assert.equal((await t.call('POST', `/api/cases/${victim.caseId}/answer`, { token: seat })).statusCode, 200);
    await recordHarbinChecklist(t, victim.caseId, seat);
    assert.equal((await t.call('POST', `/api/cases/${victim.caseId}/evacuate`, { token: seat })).json().state, 'evacuated');
    const officer = await t.staff('harbin', 'officer');
    const determined = await t.call('POST', `/api/cases/${victim.caseId}/determination`, { token: officer, body: { facts: '张伟驾驶黑A12345追尾李娜驾驶的黑AD56789。', parties: [
      { name: '张伟', plate: '黑A12345', vehicleClass: 'small_car', insurerId: 'picc', faultBehaviour: '未与前车保持安全距离', liability: 'full' },
      { name: '李娜', phone: VICTIM_OTHER_PHONE, plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' },
    ] } });
    assert.equal(determined.statusCode, 201, determined.body);
    const review = await t.call('POST', `/api/cases/${victim.caseId}/reviews`, { token: party, body: { reason: '我认为前车突然刹车，请求复核。' } });
    assert.equal(review.statusCode, 201, review.body);
    victim.reviewId = review.json().id;
    const view = (await t.call('GET', `/api/cases/${victim.caseId}`, { token: officer })).json();
    victim.files = [...new Set<string>(view.evidence.map((e: { file: { sha256: string } | null }) => e.file?.sha256).filter(Boolean))];
    assert.ok(victim.files.length >= 2, 'the case has evidence files to aim at');
    victim.code = String(view.determination.verifyUrl).split('/verify/')[1]!;
    victim.docNumber = view.determination.number;
    victim.docSha = (await t.call('GET', `/api/verify/${victim.code}`)).json().documentSha256;
    victim.staffIds = await Promise.all([seat, officer].map(async (token) => (await t.call('GET', '/api/me', { token })).json().staff.id as string));
    // A second Harbin case, waiting in the queue (a target for answer, abandon, resume …).
    const queued = await t.call('POST', '/api/cases', { token: await t.party('harbin', QUEUED_PHONE), body: { clientKey: 'victim-queued-abcdef', report: { location: DAOLI, kind: 'motor_motor' } } });
    assert.equal(queued.statusCode, 201, queued.body);
    [victim.queuedId, victim.queuedNumber] = [queued.json().id, queued.json().number];
    before_ = await snapshot();
  });
  after(() => t?.close());

  test('0 leaks, 0 server errors, over the whole route table', async () => {
    const routes = routeTable(t.core.app);
    assert.ok(routes.some((r) => r.method === 'GET' && r.url === '/api/cases/:id'), `route table read: ${JSON.stringify(routes)}`);
    assert.ok(routes.length >= 40, `only ${routes.length} routes read from the tree`);
    const missing = routes.filter((r) => r.method !== 'GET' && !RECIPES[`${r.method} ${r.url}`]).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, [], 'every route that takes input needs a recipe in RECIPES (add one for a new route)');
    const stale = Object.keys(RECIPES).filter((k) => !routes.some((r) => `${r.method} ${r.url}` === k));
    assert.deepEqual(stale, [], 'recipes for routes that no longer exist');

    // Logout last: it ends the prober's own session.
    const ordered = [...routes].sort((a, b) => Number(a.url === '/api/auth/logout') - Number(b.url === '/api/auth/logout'));
    const probers: Array<[string, string | undefined]> = [['nobody', undefined]];
    // Sessions of their own, not the helper's cached ones: the logout probe ends them.
    for (const who of ['seat-wuhua', 'officer', 'analyst', 'province', 'admin', 'supervisor']) {
      const login = await t.call('POST', '/api/auth/login', { body: { tenant: 'kunming', username: who, password: DEMO_PASSWORD } });
      assert.equal(login.statusCode, 200, login.body);
      probers.push([`kunming ${who}`, login.json().token]);
    }
    probers.push(['kunming party', await t.party('kunming', '13900000401')]);
    probers.push(['harbin party of another phone', await t.party('harbin', '13800000499')]);

    const markers = (url: string) => [victim.caseId, victim.queuedId, victim.number, victim.queuedNumber, victim.reviewId, ...victim.files, ...victim.staffIds,
      VICTIM_PHONE, VICTIM_OTHER_PHONE, QUEUED_PHONE, '张伟', '李娜', ...(SHOWS_DOCUMENT.has(url) ? [] : [victim.code, victim.docNumber, victim.docSha])];
    const leaks: string[] = [];
    let probes = 0;
    for (const [who, token] of probers) {
      for (const { method, url } of ordered) {
        const recipe = RECIPES[`${method} ${url}`] ?? {};
        const targets = url.includes(':id') ? [victim.caseId, victim.queuedId] : [null];
        for (const caseId of targets) {
          const path = url.replace(':id', caseId ?? '').replace(':sha256', victim.files[0]!).replace(':reviewId', victim.reviewId)
            .replace(':tenant', 'harbin').replace(':code', victim.code).replace(':username', 'seat-daoli').replace(':vendor', 'aliyun').replace(':shot', 'collision_point')
            .replace(':invitationId', '00000000-0000-4000-8000-000000000000').replace(':orgId', '00000000-0000-4000-8000-000000000000');
          const form = recipe.form?.();
          const r = await t.call(method, recipe.query ? `${path}?${recipe.query}` : path, {
            ...(token ? { token } : {}),
            ...(form ? { body: form.body, headers: form.headers } : recipe.body !== undefined ? { body: recipe.body } : {}),
          });
          probes++;
          const what = `${who}: ${method} ${path}${recipe.query ? `?${recipe.query}` : ''} → ${r.statusCode}`;
          const body = r.rawPayload.toString('utf8');
          if (r.statusCode >= 500) leaks.push(`${what} (server error) ${body.slice(0, 200)}`);
          const seen = markers(url).filter((m) => body.includes(m));
          if (seen.length) leaks.push(`${what} carries the Harbin case's ${seen.join(', ')}`);
          const aimed = targets[0] !== null || url.includes(':username') || recipe.deny;
          const mayPass = PUBLIC.has(url) || (who.startsWith('harbin') && !aimed);
          if (aimed && !PUBLIC.has(url) && ![401, 403, 404].includes(r.statusCode)) leaks.push(`${what}: a route aimed at Harbin's data must answer 401, 403 or 404`);
          if (!token && !PUBLIC.has(url) && r.statusCode !== (WEBSOCKET.has(url) ? 404 : 401)) leaks.push(`${what}: nobody signed in must get 401`);
          if (!mayPass && who !== 'nobody' && r.statusCode < 300 && aimed) leaks.push(`${what}: served`);
        }
      }
    }
    assert.deepEqual(leaks, [], `${leaks.length} of ${probes} probes leaked`);
    assert.ok(probes >= 8 * 40, `${probes} probes`);
    assert.deepEqual(await snapshot(), before_, 'the Harbin cases are as they were: no probe changed them');
  });

  test('live pushes (/api/live): nobody is turned away; Kunming sockets never hear of a Harbin case', async () => {
    assert.deepEqual([...WEBSOCKET].filter((u) => !routeTable(t.core.app).some((r) => r.url === u)), [], 'every WebSocket route is in the table');
    let closed!: Promise<number>;
    await t.core.app.injectWS('/api/live', {}, { onInit: (w) => void (closed = new Promise((resolve) => w.on('close', (code: number) => resolve(code)))) });
    assert.equal(await closed, 4401, 'nobody signed in is closed with 4401');

    const kunmingParty = await t.party('kunming', '13900000402');
    const harbinStranger = await t.party('harbin', '13800000498');
    const sockets: Array<{ who: string; heard: string[]; until: (needle: string) => Promise<void>; ws: WebSocket }> = [];
    for (const [who, token] of [...await Promise.all(['seat-wuhua', 'officer', 'analyst', 'province', 'admin', 'supervisor'].map(async (u) => [`kunming ${u}`, await t.staff('kunming', u)] as const)),
      ['kunming party', kunmingParty] as const, ['harbin party of another phone', harbinStranger] as const]) {
      const heard: string[] = [];
      const waiters: Array<{ needle: string; resolve: () => void }> = [];
      const ws = await t.core.app.injectWS('/api/live', { headers: { authorization: `Bearer ${token}` } }, {
        onInit: (w) => void w.on('message', (data: Buffer) => {
          heard.push(data.toString());
          for (const x of [...waiters]) if (data.toString().includes(x.needle)) (waiters.splice(waiters.indexOf(x), 1), x.resolve());
        }),
      });
      const until = (needle: string) => (heard.some((m) => m.includes(needle)) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ needle, resolve })));
      sockets.push({ who, heard, until, ws: ws as unknown as WebSocket });
    }
    try {
      await Promise.all(sockets.map((s) => s.until('"hello"')));
      // A Harbin case moves, then a Kunming case and the stranger's own case: pushes go out in commit
      // order, so once a socket has the later message it has had its chance at the Harbin one.
      const harbin = await t.call('POST', '/api/cases', { token: await t.party('harbin', '13800000497'), body: { clientKey: 'live-probe-harbin-abcdef', report: { location: DAOLI, kind: 'motor_motor' } } });
      assert.equal(harbin.statusCode, 201, harbin.body);
      const kunming = await t.call('POST', '/api/cases', { token: kunmingParty, body: { clientKey: 'live-probe-kunming-abcdef', report: { location: { lng: PLACES.kunming.五华区[0], lat: PLACES.kunming.五华区[1] }, kind: 'motor_motor' } } });
      assert.equal(kunming.statusCode, 201, kunming.body);
      const own = await t.call('POST', '/api/cases', { token: harbinStranger, body: { clientKey: 'live-probe-stranger-abcdef', report: { location: DAOLI, kind: 'motor_motor' } } });
      assert.equal(own.statusCode, 201, own.body);
      await Promise.all(sockets.map((s) => s.until(s.who.startsWith('harbin') ? own.json().id : kunming.json().id)));
      const secrets = [harbin.json().id, harbin.json().number, victim.caseId, victim.queuedId, victim.number, victim.queuedNumber];
      const leaks = sockets.flatMap((s) => s.heard.filter((m) => secrets.some((x) => m.includes(x))).map((m) => `${s.who} heard ${m.slice(0, 160)}`));
      assert.deepEqual(leaks, []);
    } finally {
      for (const s of sockets) s.ws.terminate();
    }
  });
});
