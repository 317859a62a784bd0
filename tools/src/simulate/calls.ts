/**
 * A case's call, as the seat and the party live it: answered, given up while waiting, evidence
 * gathered, ended by a leave notice or an escalation, dropped and resumed.
 */
import { toLocal } from '@kuaichu/core/policy';
import type { Case, Seat } from './model.ts';
import { gatherEvidence } from './paperwork.ts';
import { draw } from './random.ts';
import { callEnded, dispatch } from './seats.ts';
import { partyToken, seatToken, type Sim } from './sim.ts';

export async function answer(sim: Sim, c: Case, s: Seat): Promise<void> {
  const { now, rng, world, counts, agenda } = sim;
  if (c.state !== 'ringing' || c.seat !== s) return;
  await sim.api.request('POST', `/api/cases/${c.id}/answer`, { token: await seatToken(sim, s) });
  c.state = 'in_call';
  s.state = 'busy';
  c.callStartedAt = now;
  if (c.answeredAt === null) {
    c.answeredAt = now;
    c.remainingMs = draw(rng, world.handling) * 1000;
    counts.answered++;
    counts.waits.push({ hour: (toLocal(new Date(c.reportedAt), sim.tz).minute / 60) | 0, seconds: (now - c.reportedAt) / 1000 });
    if (now - c.reportedAt <= sim.targetMs) counts.answeredInTarget++;
  }
  const rest = c.remainingMs;
  if (c.plan.drop) {
    c.plan.drop = false;
    agenda.plan(now + rest * rng.between(0.2, 0.5), { type: 'drop', c });
  } else if (c.plan.escalate) {
    agenda.plan(now + rest * rng.between(0.2, 0.6), { type: 'escalate', c, reason: '现场有人员受伤较重，转民警现场处置（模拟）' });
  } else {
    agenda.plan(now + rest * world.evidenceShare, { type: 'evidence', c });
    agenda.plan(now + rest, { type: 'evacuate', c });
  }
}

export async function abandon(sim: Sim, c: Case): Promise<void> {
  if ((c.state !== 'waiting' && c.state !== 'ringing') || c.answeredAt !== null) return;
  await sim.api.request('POST', `/api/cases/${c.id}/abandon`, { token: await partyToken(sim, c) });
  sim.waiting.delete(c);
  sim.counts.abandoned++;
  const ringing = c.state === 'ringing' ? c.seat : null;
  c.state = 'done';
  if (ringing) {
    await callEnded(sim, ringing);
    await dispatch(sim);
  }
}

export async function evidence(sim: Sim, c: Case): Promise<void> {
  if (c.state !== 'in_call') return;
  const ok = await gatherEvidence(sim.api, sim.city, c.id, await seatToken(sim, c.seat!), c.paperwork, sim.rng);
  if (!ok) {
    // A licence, registration or 交强险 check failed: not for remote handling.
    sim.counts.checksFailed++;
    await escalate(sim, c, '核验未通过，转民警现场处置');
  }
}

export async function evacuate(sim: Sim, c: Case): Promise<void> {
  if (c.state !== 'in_call') return;
  const s = c.seat!;
  await sim.api.request('POST', `/api/cases/${c.id}/evacuate`, { token: await seatToken(sim, s) });
  c.state = 'evacuated';
  c.seat = null;
  sim.counts.evacuated++;
  sim.counts.handling.push((sim.now - c.answeredAt!) / 1000);
  if (sim.world.flow === 'full') sim.agenda.plan(sim.now + draw(sim.rng, sim.world.determination) * 1000, { type: 'determine', c });
  await callEnded(sim, s);
  await dispatch(sim);
}

export async function escalate(sim: Sim, c: Case, reason: string): Promise<void> {
  if (c.state !== 'in_call') return;
  const s = c.seat!;
  await sim.api.request('POST', `/api/cases/${c.id}/escalate`, { token: await seatToken(sim, s), body: { reason } });
  c.state = 'done';
  c.seat = null;
  sim.counts.escalated++;
  await callEnded(sim, s);
  await dispatch(sim);
}

export async function drop(sim: Sim, c: Case): Promise<void> {
  if (c.state !== 'in_call') return;
  const s = c.seat!;
  await sim.api.request('POST', `/api/cases/${c.id}/drop`, { token: await partyToken(sim, c) });
  sim.counts.dropped++;
  c.remainingMs = Math.max(30_000, c.remainingMs - (sim.now - c.callStartedAt));
  c.state = 'dropped';
  c.preferredSeat = s;
  c.seat = null;
  sim.agenda.plan(sim.now + sim.rng.between(20, 90) * 1000, { type: 'resume', c });
  await callEnded(sim, s);
  await dispatch(sim);
}

export async function resume(sim: Sim, c: Case): Promise<void> {
  if (c.state !== 'dropped') return;
  await sim.api.request('POST', `/api/cases/${c.id}/resume`, { token: await partyToken(sim, c) });
  c.state = 'waiting';
  c.queuedAt = sim.now;
  sim.waiting.add(c);
  sim.agenda.plan(sim.now + sim.overflowMs + 500, { type: 'tick' });
  await dispatch(sim);
}
