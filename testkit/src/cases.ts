// Cases for the media tests and benchmark, through the real HTTP API: report in Harbin's 道里区, ring the
// brigade's seat, answer.
import assert from 'node:assert/strict';
import type { TestCore } from './core.ts';

export const DAOLI = { lng: 126.617, lat: 45.773 };
let n = 0;

export async function seatReady(t: TestCore, username = 'seat-daoli'): Promise<string> {
  const token = await t.staff('harbin', username);
  const r = await t.call('POST', '/api/seat/status', { token, body: { status: 'available' } });
  assert.equal(r.statusCode, 200, r.body);
  return token;
}

/** A reported, queued case of `phone`. */
export async function reported(t: TestCore, phone: string): Promise<{ id: string; party: string }> {
  const party = await t.party('harbin', phone);
  const r = await t.call('POST', '/api/cases', { token: party, body: { clientKey: `media-${process.pid}-${++n}-abcdef`, report: { location: DAOLI, kind: 'motor_motor' } } });
  assert.equal(r.statusCode, 201, r.body);
  return { id: r.json().id as string, party };
}

/** Rings the seat and answers: the call starts (case.answered). */
export async function answer(t: TestCore, id: string, seat: string): Promise<void> {
  await t.core.tick();
  const r = await t.call('POST', `/api/cases/${id}/answer`, { token: seat });
  assert.equal(r.statusCode, 200, r.body);
}

export async function caseState(t: TestCore, id: string, token: string): Promise<string> {
  return (await t.call('GET', `/api/cases/${id}`, { token })).json().state as string;
}

/** Ends the call by escalation (the seat is free again; the room closes). */
export async function escalate(t: TestCore, id: string, seat: string): Promise<void> {
  const r = await t.call('POST', `/api/cases/${id}/escalate`, { token: seat, body: { reason: '测试结束' } });
  assert.equal(r.statusCode, 200, r.body);
}
