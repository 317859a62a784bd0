/**
 * The seats: on and off duty by the hour's roster, and the queue's timer followed by a look at
 * which seat now rings — the ACD decides, the simulator only watches (a seat console's
 * GET /api/seat/queue) and plans the answer.
 */
import { toLocal } from '@kuaichu/core/policy';
import type { Seat } from './model.ts';
import { draw } from './random.ts';
import { allSeats, seatToken, type Sim } from './sim.ts';

export async function setStatus(sim: Sim, s: Seat, status: 'available' | 'away'): Promise<void> {
  await sim.api.request('POST', '/api/seat/status', { token: await seatToken(sim, s), body: { status } });
  s.state = status === 'available' ? 'idle' : 'off';
  s.idleSince = sim.now;
  s.leaving = false;
}

/** Can this seat be rung for one of the waiting cases (the ACD's rule: own brigade, previous seat, or overflow)? */
const canTake = (sim: Sim, s: Seat) => [...sim.waiting].some((c) => c.brigadeId === s.brigadeId || c.preferredSeat === s || sim.now - c.queuedAt >= sim.overflowMs);

/** The queue's timer has run; find the seats it rang (longest idle of the right brigade asked first). */
export async function dispatch(sim: Sim): Promise<void> {
  const { waiting } = sim;
  // Nothing waiting: the timer would find nothing to ring (seats here never let a call ring
  // out, and dropped calls are always resumed), so it is not run.
  if (!waiting.size) return;
  await sim.target.tick();
  const brigades = new Set([...waiting].map((c) => c.brigadeId));
  const idle = allSeats(sim).filter((s) => s.state === 'idle' && canTake(sim, s))
    .sort((a, b) => Number(brigades.has(b.brigadeId)) - Number(brigades.has(a.brigadeId)) || a.idleSince - b.idleSince);
  for (const s of idle) {
    if (!waiting.size) break;
    const q = await sim.api.request<{ seat: { status: string; caseId: string | null } }>('GET', '/api/seat/queue', { token: await seatToken(sim, s) });
    if (q.seat.status !== 'ringing') continue;
    const c = [...waiting].find((x) => x.id === q.seat.caseId);
    if (!c) throw new Error(`${s.username} rings for a case the simulator does not know: ${q.seat.caseId}`);
    waiting.delete(c);
    c.state = 'ringing';
    c.seat = s;
    s.state = 'ringing';
    // Picked up well inside the ring timeout: a seat that lets it ring out is set away.
    sim.agenda.plan(sim.now + Math.min(15_000, draw(sim.rng, sim.world.pickUp) * 1000), { type: 'answer', c, seat: s });
  }
}

/** The seat's call ended: free (the server made it available), or off duty if it was leaving. */
export async function callEnded(sim: Sim, s: Seat): Promise<void> {
  s.state = 'idle';
  s.idleSince = sim.now;
  if (s.leaving && !canTake(sim, s)) await setStatus(sim, s, 'away');
}

/** The hour's roster: seats come on duty, or leave once their call (and the queue) is done. */
export async function roster(sim: Sim): Promise<void> {
  const hour = (toLocal(new Date(sim.now), sim.tz).minute / 60) | 0;
  for (const s of allSeats(sim)) if (s.leaving && s.state === 'idle' && !canTake(sim, s)) await setStatus(sim, s, 'away');
  for (const [brigadeId, list] of sim.seats) {
    const want = sim.o.roster.get(brigadeId)![hour]!;
    let on = list.filter((s) => s.state !== 'off' && !s.leaving).length;
    for (const s of list) {
      if (on >= want) break;
      if (s.state !== 'off' && s.leaving) {
        s.leaving = false;
        on++;
      } else if (s.state === 'off') {
        await setStatus(sim, s, 'available');
        on++;
      }
    }
    for (const s of [...list].reverse()) {
      if (on <= want) break;
      if (s.state === 'off' || s.leaving) continue;
      s.leaving = true;
      on--;
      if (s.state === 'idle' && !canTake(sim, s)) await setStatus(sim, s, 'away');
    }
  }
  const next = nextHour(sim.now);
  if (next < sim.o.end) sim.agenda.plan(next, { type: 'roster' });
  await dispatch(sim);
  await sim.target.flush();
}

/** The next full hour after `ms` (the roster changes on the hour; Asia/Shanghai has whole-hour offsets). */
function nextHour(ms: number): number {
  return (Math.floor(ms / 3600_000) + 1) * 3600_000;
}
