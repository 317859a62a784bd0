/** After the call: the officer's determination, the party's claim and review, the officer's decision on it. */
import { ApiError } from './http.ts';
import type { Case } from './model.ts';
import { determinationBody } from './paperwork.ts';
import { draw } from './random.ts';
import { officerToken, partyToken, type Sim } from './sim.ts';

export async function determine(sim: Sim, c: Case): Promise<void> {
  const { now, rng, agenda } = sim;
  await sim.api.request('POST', `/api/cases/${c.id}/determination`, { token: await officerToken(sim), body: determinationBody(c.paperwork, rng) });
  sim.counts.served++;
  const claimAt = now + draw(rng, sim.world.claimDelay) * 1000;
  if (c.plan.claim) agenda.plan(claimAt, { type: 'claim', c });
  // A review comes after the claim (a claim cannot be pushed while a review is pending).
  if (c.plan.review) agenda.plan(Math.max(c.plan.claim ? claimAt + 60_000 : 0, now + rng.between(2, 40) * 3600_000), { type: 'review', c });
}

export async function claim(sim: Sim, c: Case): Promise<void> {
  await sim.api.request('POST', `/api/cases/${c.id}/claims`, { token: await partyToken(sim, c) });
  sim.counts.claims++;
}

export async function review(sim: Sim, c: Case): Promise<void> {
  try {
    const r = await sim.api.request<{ id: string }>('POST', `/api/cases/${c.id}/reviews`, { token: await partyToken(sim, c), body: { reason: '对责任认定有异议，申请复核。（模拟）' } });
    sim.counts.reviews++;
    sim.agenda.plan(sim.now + sim.rng.between(1, 8) * 3600_000, { type: 'decide', c, reviewId: r.id });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'KC_REVIEW_WINDOW_CLOSED')) throw err;
  }
}

export async function decide(sim: Sim, c: Case, reviewId: string): Promise<void> {
  await sim.api.request('POST', `/api/cases/${c.id}/reviews/${reviewId}/decision`, { token: await officerToken(sim), body: { outcome: 'upheld' } });
}
