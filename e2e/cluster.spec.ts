/**
 * Issue 15, "done when": the production topology on one machine — PostgreSQL, librdkafka's mock
 * Kafka, Debian's ClickHouse 18.16, coturn (deploy/coturn's config), nginx with deploy/nginx's
 * config and three server processes
 * (e2e/support/cluster.ts). A party (the party app on a phone) and a seat (the console) go through
 * the balancer; the process hosting their call is killed with SIGKILL mid-call; both clients
 * come back by themselves (no 继续处理 pressed) to the same case, now hosted by another process,
 * and the case is finished there. The recording keeps both parts (the dead process's part is
 * finished by a survivor), every event of the case is in ClickHouse exactly once and the
 * dashboard counts the case once; /metrics of the processes holds the series the issue names.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect, type BrowserContext } from '@playwright/test';
import { startCluster, NGINX, type AppProcess, type Cluster } from './support/cluster.ts';
import { Api } from './support/api.ts';
import { TURNSERVER } from '@kuaichu/testkit/coturn';
import { Party } from './pages/Party.ts';
import { Seat } from './pages/Seat.ts';
import { PLATES } from './support/staff.ts';
import { DAY } from './support/day.ts';

const DAOLI = { latitude: 45.773, longitude: 126.617 };
const missing = [NGINX, '/usr/sbin/clickhouse-server', '/usr/include/librdkafka/rdkafka_mock.h', TURNSERVER].filter((f) => !existsSync(f));

/** The series the issue names (docs/operations.md, "Metrics and health"). */
const SERIES = [
  'kuaichu_http_request_duration_seconds_bucket', 'kuaichu_queue_depth', 'kuaichu_queue_oldest_wait_seconds', 'kuaichu_calls_in_progress',
  'kuaichu_seats', 'kuaichu_media_worker_cpu_seconds', 'kuaichu_media_worker_consumers', 'kuaichu_media_worker_rooms',
  'kuaichu_outbox_lag_seconds', 'kuaichu_analytics_sink_lag_seconds', 'kuaichu_delivery_backlog', 'kuaichu_ready',
];

/** The TURN usernames (<expiry>:<role>-<peer id>) coturn allocated a relay for, of one role. */
function turnUsers(log: string, role: string): Set<string> {
  return new Set([...log.matchAll(new RegExp(`user <(\\d+:${role}-[^>]+)>: incoming packet ALLOCATE processed, success`, 'g'))].map((m) => m[1]!));
}

/** Rooms a process hosts now, from its /metrics (kuaichu_media_worker_rooms summed over its workers). */
function rooms(metrics: string): number {
  return [...metrics.matchAll(/^kuaichu_media_worker_rooms\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

test.describe.configure({ mode: 'serial' });
test.skip(missing.length > 0, `not installed: ${missing.join(', ')} (the bootstrap installs them when run as root)`);

let cluster: Cluster;
const contexts: BrowserContext[] = [];

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(240_000);
  cluster = await startCluster({ processes: 3 });
});
test.afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await cluster?.stop();
});
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus && cluster) {
    // Warnings, errors and the media plugin's lines: what explains a failed call.
    for (const p of cluster.processes) {
      const file = testInfo.outputPath(`server-${p.index}.log`);
      writeFileSync(file, p.output().split('\n').filter((l) => /"level":[456]0|media|recording/.test(l)).join('\n'));
      await testInfo.attach(`server-${p.index}.log`, { path: file, contentType: 'text/plain' });
      // The whole output, for a failure that the filtered lines do not explain.
      if (process.env.KUAICHU_CLUSTER_LOGS) writeFileSync(path.join(process.env.KUAICHU_CLUSTER_LOGS, `server-${p.index}.log`), p.output());
    }
    // coturn's own log: whether the browsers reached it at all.
    const turnLog = testInfo.outputPath('coturn.log');
    writeFileSync(turnLog, cluster.coturn.log());
    await testInfo.attach('coturn.log', { path: turnLog, contentType: 'text/plain' });
  }
});

test('three processes behind nginx: the process hosting a call is killed mid-call, party and seat come back by themselves to the same case on another, nothing lost or counted twice', async ({ browser }) => {
  const api = new Api(cluster.url);
  const newContext = async (kind: 'phone' | 'console') => {
    const context = await browser.newContext({
      baseURL: cluster.url, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
      ...(kind === 'phone'
        ? { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, permissions: ['camera', 'microphone', 'geolocation'], geolocation: DAOLI }
        : { viewport: { width: 1440, height: 900 }, permissions: ['camera', 'microphone'] }),
    });
    contexts.push(context);
    return context.newPage();
  };

  const seat = new Seat(await newContext('console'), 'harbin');
  await seat.signIn('seat-daoli');
  await seat.setAvailable();
  const phone = await newContext('phone');
  const party = new Party(phone, 'harbin');
  await party.open();
  await party.passSafety();
  await party.signIn('13900001501', () => api.smsCode('harbin', '13900001501'));
  await party.fillReport({ district: '道里区', address: '中央大街与西十二道街交口', plates: PLATES });
  await party.submit();
  await party.waitInQueue();
  const caseId = await seat.acceptRinging();
  await party.waitForCall();
  await seat.waitForPartyVideo();
  await party.expectRecording();

  // TURN through the cluster: the process handed both browsers coturn credentials (the TURN REST
  // API's username, <expiry>:<role>-<peer>) with the policy 'relay', and coturn allocated a relay
  // for each (with 'all' a browser whose direct path answers first may never ask coturn).
  const turnBefore = new Map<string, Set<string>>();
  for (const role of ['party_a', 'seat']) {
    await expect.poll(() => turnUsers(cluster.coturn.log(), role).size, { message: `coturn allocates for the ${role}`, timeout: 30_000 }).toBeGreaterThan(0);
    turnBefore.set(role, turnUsers(cluster.coturn.log(), role));
  }

  // Which process hosts the call: the one whose media worker has the room (scraped directly).
  const hostOf = async (among: number[]) => {
    let host = -1;
    await expect.poll(async () => {
      const counts = await Promise.all(among.map(async (i) => rooms(await cluster.scrape(i))));
      host = counts.filter((n) => n > 0).length === 1 ? among[counts.findIndex((n) => n > 0)]! : -1;
      return host;
    }, { timeout: 30_000 }).toBeGreaterThanOrEqual(0);
    return host;
  };
  const first = await hostOf([0, 1, 2]);
  // The part recorded on that process: let it carry a few seconds of media.
  const callView = seat.page.getByTestId('call-view');
  const video = seat.page.getByTestId('party-video');
  const t0 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(t0 + 2);

  // The node dies.
  const killedAt = new Date().toISOString();
  cluster.signal(first, 'SIGKILL');
  expect(await cluster.processes[first]!.exited).toBe('SIGKILL');

  // The seat's video drops and comes back by itself, on the same case.
  await expect(seat.page.getByTestId('video-overlay')).toBeVisible({ timeout: 15_000 });
  await seat.waitForPartyVideo();
  await expect(callView).toHaveAttribute('data-case-id', caseId);
  // The party too: watched again, without pressing 继续处理.
  const status = phone.getByRole('region', { name: '视频通话' }).getByTestId('call-status');
  await expect(status).toHaveAttribute('data-phase', 'watched', { timeout: 60_000 });
  await expect(phone.getByRole('button', { name: /继续处理/ })).toHaveCount(0);
  const survivors = [0, 1, 2].filter((i) => i !== first);
  const second = await hostOf(survivors);
  expect(second).not.toBe(first);
  // Back through coturn: each rejoined as a new peer with fresh credentials, relayed again.
  for (const role of ['party_a', 'seat']) {
    await expect.poll(() => [...turnUsers(cluster.coturn.log(), role)].filter((u) => !turnBefore.get(role)!.has(u)).length, { message: `coturn allocates for the ${role} after the failover`, timeout: 30_000 }).toBeGreaterThan(0);
  }
  // The same case, still in its call with the same seat (继续处理 semantics, nothing dropped).
  const seatToken = await api.staffToken('harbin', 'seat-daoli');
  const during = await api.call<{ state: string; seatId: string; timeline: Array<{ type: string }> }>('GET', `/api/cases/${caseId}`, undefined, seatToken);
  expect(['in_call', 'evidence_complete']).toContain(during.state);
  expect(during.timeline.map((e) => e.type)).not.toContain('call.dropped');

  // /metrics of the process now hosting the call holds the series the issue names.
  const metrics = await cluster.scrape(second);
  for (const name of SERIES) expect(metrics, name).toMatch(new RegExp(`^${name}(\\{| )`, 'm'));
  expect(metrics).toMatch(/^kuaichu_calls_in_progress\{tenant="harbin",state="in_call"\} 1$/m);
  expect(metrics).toMatch(/^kuaichu_seats\{tenant="harbin",status="busy"\} 1$/m);

  // The case is finished on the new process: escalated to on-site police from the console.
  await seat.escalate('节点故障后继续处理：转现场处置');
  await party.expectEscalated();

  // The recording keeps the call on both processes: the dead process's part (finished by a
  // survivor) and the new one's. A process stores more than one part when the senders change
  // (the party joins before the seat: a part of the party alone, then one with the seat's voice),
  // so each side is judged by the media it holds, once all of its parts are stored.
  const officer = await api.staffToken('harbin', 'officer');
  type Part = { startedAt: string; endedAt: string; mediaSeconds: number | null };
  type View = { state: string; timeline: Array<{ seq: number; type: string }>; evidence: Array<{ item: string; data: Part }> };
  let view: View | undefined;
  let before: Part[] = [];
  let after: Part[] = [];
  const media = (parts: Part[]) => parts.reduce((s, p) => s + (p.mediaSeconds ?? 0), 0);
  await expect.poll(async () => {
    view = await api.call<View>('GET', `/api/cases/${caseId}`, undefined, officer);
    const parts = view.evidence.filter((e) => e.item === 'recording').map((e) => e.data);
    before = parts.filter((p) => p.startedAt < killedAt);
    after = parts.filter((p) => p.startedAt >= killedAt);
    return { before: media(before) > 1, after: media(after) > 1 };
  }, { timeout: 60_000 }).toEqual({ before: true, after: true });
  // The dead process's parts end before the new process's begin: nothing recorded twice.
  expect(before.map((p) => p.endedAt).sort().at(-1)! <= after.map((p) => p.startedAt).sort()[0]!).toBe(true);
  expect(view!.state).toBe('escalated_onsite');

  // Every event of the case reached ClickHouse exactly once (at-least-once delivery, deduplicated), …
  // The case's timeline is read again each time: the recording's last part, ended by the
  // escalation, is stored (one more evidence.added) after the view above was read.
  await expect.poll(async () => {
    const timeline = (await api.call<View>('GET', `/api/cases/${caseId}`, undefined, officer)).timeline.map((e) => e.seq).sort((a, b) => a - b);
    const stored = (await cluster.clickhouseRows<{ seq: number }>(`SELECT seq FROM kc_events FINAL WHERE case_id = '${caseId}' ORDER BY seq`)).map((r) => Number(r.seq));
    return { same: timeline.join() === stored.join(), timeline, stored };
  }, { timeout: 60_000 }).toMatchObject({ same: true });
  // … and the dashboard counts the case once: reported, answered, escalated.
  const m = await api.asStaff<{ total: { reports: number; answered: number; escalated: number } }>('harbin', 'analyst', 'GET', `/api/analytics/metrics?from=${DAY}&to=${DAY}&groupBy=none`);
  expect({ reports: m.total.reports, answered: m.total.answered, escalated: m.total.escalated }).toEqual({ reports: 1, answered: 1, escalated: 1 });
});

test('SIGTERM: a process drains (stops taking connections, outbox relayed) and exits 0; the balancer keeps answering from the others', async () => {
  const running: AppProcess[] = [];
  for (const p of cluster.processes) if ((await Promise.race([p.exited, Promise.resolve('running')])) === 'running') running.push(p);
  expect(running.length).toBeGreaterThanOrEqual(2);
  const leaving = running[0]!;
  cluster.signal(leaving.index, 'SIGTERM');
  expect(await leaving.exited).toBe('0');
  const out = leaving.output();
  expect(out).toMatch(/"msg":"draining: not ready, no new connections or rooms"/);
  expect(out).toMatch(/"msg":"drained: outbox relayed, closing"/);
  // Every request still gets an answer through the balancer: one process is dead, one gone, one left.
  for (let i = 0; i < 6; i++) expect((await fetch(`${cluster.url}/readyz`)).status).toBe(200);
});
