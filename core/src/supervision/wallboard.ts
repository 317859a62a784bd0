/**
 * The duty supervisor's wallboard (班长看板): queue depth and the oldest wait per brigade, each
 * seat's status and call time, and today's service level — answered within the city's target
 * (`targets.answerWithinSeconds`) and abandonment — over the city's local day. Read from the
 * database each time (no counters kept in memory), so every server process shows the same board;
 * http/live.ts pushes it to supervisors after each change of a case or a seat.
 *
 * Abandonment is the share of waiting parties who left (case.abandoned, reason party_left) of all
 * who were answered or left today; a dropped call not resumed in time is not counted here.
 */
import { tenantDb, type CoreContext } from '../context.ts';
import type { Wallboard, WallboardBrigade } from '../generated/types.ts';
import { localMidnightUtc, toLocal } from '../policy/localTime.ts';
import { supervisionRepo } from '../persistence/supervision.ts';
import { rostersRepo } from '../persistence/rosters.ts';
import { groupBySeat, isOnShift } from '../roster/roster.ts';
import { requiredSkill } from '../roster/skills.ts';
import { current as brigadesInForce } from '../admin/brigades.ts';

const seconds = (from: Date, to: Date) => Math.max(0, Math.round((to.getTime() - new Date(from).getTime()) / 1000));
const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);

export async function wallboard(ctx: CoreContext, tenant: string): Promise<Wallboard> {
  const city = ctx.cities.get(tenant);
  const tz = city.profile.timezone;
  const target = city.profile.targets?.answerWithinSeconds ?? 30;
  const now = ctx.clock.now();
  const local = toLocal(now, tz);
  const db = tenantDb(ctx, tenant);
  const [waiting, seats, shifts, today, inForce] = await Promise.all([
    supervisionRepo.waiting(db), supervisionRepo.seats(db), rostersRepo.all(db), supervisionRepo.today(db, localMidnightUtc(local, tz), target), brigadesInForce(db, city),
  ]);
  const bySeat = groupBySeat(shifts);

  // The brigades intake routes by: the admin's once edited (a new brigade's cases count under it, not as unrouted); a name without English shows the Chinese.
  const brigades = new Map<string | null, WallboardBrigade>(inForce.brigades.map((b) => [b.id, { id: b.id, name: { zh: b.name.zh, en: b.name.en ?? b.name.zh }, waiting: 0, ringing: 0, oldestQueuedAt: null, oldestWaitSeconds: 0 }]));
  for (const c of waiting) {
    const key = brigades.has(c.brigade_id) ? c.brigade_id : null;
    if (!brigades.has(key)) brigades.set(key, { id: null, name: null, waiting: 0, ringing: 0, oldestQueuedAt: null, oldestWaitSeconds: 0 });
    const b = brigades.get(key)!;
    b.waiting++;
    if (c.state === 'ringing') b.ringing++;
    const wait = seconds(c.queued_at, now);
    if (wait >= b.oldestWaitSeconds) [b.oldestWaitSeconds, b.oldestQueuedAt] = [wait, new Date(c.queued_at).toISOString()];
  }

  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    at: now.toISOString(),
    timezone: tz,
    targets: { answerWithinSeconds: target, answerShare: city.profile.targets?.answerShare ?? 0.8 },
    brigades: [...brigades.values()],
    waiting: waiting.map((c) => ({
      caseId: c.id, number: c.number, state: c.state, brigadeId: c.brigade_id, queuedAt: new Date(c.queued_at).toISOString(),
      waitSeconds: seconds(c.queued_at, now), requiredSkill: requiredSkill(city, c.report), ringSeatId: c.ring_seat,
    })),
    seats: seats.map((s) => ({
      staffId: s.staff_id, username: s.username, displayName: s.display_name, brigadeId: s.brigade_id, status: s.status,
      onShift: shifts.length === 0 || isOnShift(bySeat.get(s.staff_id) ?? [], now, tz), skills: s.skills,
      caseId: s.case_id, caseNumber: s.case_number, since: new Date(s.updated_at).toISOString(),
      callSeconds: s.status === 'busy' ? seconds(s.updated_at, now) : null,
    })),
    today: {
      date: `${local.year}-${pad(local.month)}-${pad(local.day)}`,
      answered: today.answered, answeredWithinTarget: today.within, withinTargetShare: share(today.within, today.answered),
      abandoned: today.abandoned, abandonmentShare: share(today.abandoned, today.answered + today.abandoned),
    },
  };
}
