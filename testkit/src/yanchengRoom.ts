// A Yancheng case whose room has its six participants (issue 14), through the real HTTP API: the
// admin adds an insurer, a repair shop and a mediator with one person each; party A reports in
// 亭湖区; a seat of its own answers; the seat invites party B (SMS link) and the three partners,
// who accept their links. Used by the media plugin's room tests, the browser test and the bench.
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, type TestCore } from './core.ts';
import { PLACES } from './places.ts';
import { addDemoSeats } from '@kuaichu/core/harness';

const TINGHU = { lng: PLACES.yancheng.亭湖区[0], lat: PLACES.yancheng.亭湖区[1] };
const PARTNER_PASSWORD = 'Yc-room-partner-7Kq2m';
let n = 0;

export type RoomRole = 'party_a' | 'seat' | 'party_b' | 'insurer' | 'repair_shop' | 'mediator';
export const ROOM_ROLES: readonly RoomRole[] = ['party_a', 'seat', 'party_b', 'insurer', 'repair_shop', 'mediator'];

export interface YanchengRoom {
  caseId: string;
  /** A session token per participant. */
  tokens: Record<RoomRole, string>;
}

const ok = (r: { statusCode: number; body: string }, status = 200) => {
  assert.equal(r.statusCode, status, r.body);
  return JSON.parse(r.body);
};

/** The city's partners (made once per core): an organisation and a person per kind, tokens fresh each call. */
async function partnerTokens(t: TestCore, tag: string): Promise<Record<'insurer' | 'repair_shop' | 'mediator', { orgId: string; token: string }>> {
  const admin = await t.staff('yancheng', 'admin');
  const out = {} as Record<'insurer' | 'repair_shop' | 'mediator', { orgId: string; token: string }>;
  for (const kind of ['insurer', 'repair_shop', 'mediator'] as const) {
    const name = `${kind}-${tag}`;
    const org = ok(await t.call('POST', '/api/admin/partners', { token: admin, body: { kind, name: `测试${name}` } }), 201);
    const username = `p-${kind.replace('_', '')}-${tag}`;
    ok(await t.call('POST', `/api/admin/partners/${org.id}/people`, { token: admin, body: { username, displayName: `${kind} ${tag}`, password: PARTNER_PASSWORD } }), 201);
    const s = ok(await t.call('POST', '/api/cities/yancheng/partner/session', { body: { username, password: PARTNER_PASSWORD } }));
    out[kind] = { orgId: org.id, token: s.token };
  }
  return out;
}

/** A live Yancheng case (answered) with five invitations accepted: every participant can join its room. */
export async function yanchengRoom(t: TestCore): Promise<YanchengRoom> {
  const k = ++n;
  const tag = `${process.pid % 10000}x${k}`;
  const phoneA = `1370${String(process.pid % 1000).padStart(3, '0')}${String(k).padStart(4, '0')}`;
  const phoneB = `1380${String(process.pid % 1000).padStart(3, '0')}${String(k).padStart(4, '0')}`;
  const partyA = await t.party('yancheng', phoneA);
  const reported = ok(await t.call('POST', '/api/cases', { token: partyA, body: { clientKey: `yc-room-${tag}-abcdef`, report: { location: TINGHU, kind: 'motor_motor' } } }), 201);
  const seatName = `seat-room-${tag}`;
  await addDemoSeats(t.db, 'yancheng', [{ username: seatName, name: `云车通接警员${k}`, brigadeId: 'yunchetong' }], DEMO_PASSWORD);
  const seat = await t.staff('yancheng', seatName);
  ok(await t.call('POST', '/api/seat/status', { token: seat, body: { status: 'available' } }));
  await t.core.tick();
  ok(await t.call('POST', `/api/cases/${reported.id}/answer`, { token: seat }));
  const invite = async (body: object) => ok(await t.call('POST', `/api/cases/${reported.id}/invitations`, { token: seat, body }), 201).url as string;
  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
  const b = ok(await t.call('POST', '/api/cities/yancheng/invitations/accept', { body: { token: tokenOf(await invite({ role: 'party_b', phone: phoneB })) } }));
  const partners = await partnerTokens(t, tag);
  for (const role of ['insurer', 'repair_shop', 'mediator'] as const) {
    const url = await invite({ role, orgId: partners[role].orgId });
    ok(await t.call('POST', '/api/partner/invitations/accept', { token: partners[role].token, body: { token: tokenOf(url) } }));
  }
  return {
    caseId: reported.id,
    tokens: { party_a: partyA, seat, party_b: b.session.token, insurer: partners.insurer.token, repair_shop: partners.repair_shop.token, mediator: partners.mediator.token },
  };
}
