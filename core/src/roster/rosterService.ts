/**
 * The roster screen's service: each seat's shifts and skills, replaced whole by an admin, each
 * change in the audit log (before → after). Rules here, SQL in persistence/rosters.ts.
 */
import { randomUUID } from 'node:crypto';
import { LIVE_CHANNEL, tenantDb, type CoreContext } from '../context.ts';
import { seatsRepo } from '../persistence/seats.ts';
import { Errors } from '../errors.ts';
import { audit } from '../auth/audit.ts';
import type { SeatRoster, SeatRosters, SeatRosterState, SeatRosterUpdate } from '../generated/types.ts';
import { rostersRepo } from '../persistence/rosters.ts';
import { groupBySeat, isOnShift, nextShiftStart, rosterProblems } from './roster.ts';
import { citySkills, unknownSkills } from './skills.ts';
import { dispatchQueue } from '../cases/queue.ts';

export async function rosterView(ctx: CoreContext, tenant: string): Promise<SeatRosters> {
  const city = ctx.cities.get(tenant);
  const tz = city.profile.timezone;
  const now = ctx.clock.now();
  const db = tenantDb(ctx, tenant);
  const [seats, shifts] = await Promise.all([rostersRepo.seats(db), rostersRepo.all(db)]);
  const bySeat = groupBySeat(shifts);
  const hasRoster = shifts.length > 0;
  return {
    timezone: tz, now: now.toISOString(), hasRoster,
    skills: citySkills(city).map((s) => ({ id: s.id, name: s.name })),
    seats: seats.map((s): SeatRoster => {
      const own = bySeat.get(s.staff_id) ?? [];
      const next = nextShiftStart(own, now, tz);
      return {
        staffId: s.staff_id, username: s.username, displayName: s.display_name, brigadeId: s.brigade_id, skills: s.skills,
        shifts: own, onShift: !hasRoster || isOnShift(own, now, tz), nextShiftStart: next ? next.toISOString() : null,
      };
    }),
  };
}

/** Replaces a seat's shifts (and skills when given); refused whole with every problem. */
export async function setSeatRoster(ctx: CoreContext, tenant: string, actor: { id: string; username: string }, username: string, body: SeatRosterUpdate): Promise<SeatRosters> {
  const city = ctx.cities.get(tenant);
  const problems = rosterProblems(body.shifts);
  if (body.skills) for (const s of unknownSkills(city, body.skills)) problems.push(`skill "${s}" is not declared in the city's profile (queue.skills)`);
  if (problems.length) throw Errors.rosterInvalid(`the shifts have problems: ${problems.join('; ')}`, { problems });
  const now = ctx.clock.now();
  await tenantDb(ctx, tenant).tx(async (q) => {
    const seat = await rostersRepo.seatByUsername(q, username);
    if (!seat) throw Errors.notFound(`no seat "${username}" in this city`);
    const before = { shifts: (await rostersRepo.of(q, seat.staff_id)).map(({ weekday, starts, ends }) => ({ weekday, starts, ends })), skills: seat.skills };
    await rostersRepo.replace(q, seat.staff_id, body.shifts, body.shifts.map(() => randomUUID()), now);
    if (body.skills) await rostersRepo.setSkills(q, seat.staff_id, body.skills);
    const after = { shifts: body.shifts.map(({ weekday, starts, ends }) => ({ weekday, starts, ends })), skills: body.skills ?? seat.skills };
    await seatsRepo.announce(q, LIVE_CHANNEL, seat.staff_id);
    await audit(q, { tenant, at: now, actor: actor.id, action: 'seat.roster_changed', subject: username, details: { before, after, by: actor.username } });
  });
  // A seat now on shift may take a waiting case at once.
  await dispatchQueue(ctx, tenant);
  return rosterView(ctx, tenant);
}

const DUE_WITHIN_MS = 12 * 3600_000;

/** A seat's own roster state and who is due next (the seat's queue screen); null when the tenant has no roster. */
export async function seatRosterState(ctx: CoreContext, tenant: string, staffId: string): Promise<SeatRosterState | null> {
  const tz = ctx.cities.get(tenant).profile.timezone;
  const now = ctx.clock.now();
  const db = tenantDb(ctx, tenant);
  const shifts = await rostersRepo.all(db);
  if (!shifts.length) return null;
  const bySeat = groupBySeat(shifts);
  const mine = bySeat.get(staffId) ?? [];
  const next = nextShiftStart(mine, now, tz);
  const seats = new Map((await rostersRepo.seats(db)).map((s) => [s.staff_id, s]));
  const due = [...bySeat]
    .filter(([id, own]) => seats.has(id) && !isOnShift(own, now, tz))
    .map(([id, own]) => ({ seat: seats.get(id)!, at: nextShiftStart(own, now, tz)! }))
    .filter((d) => d.at.getTime() - now.getTime() <= DUE_WITHIN_MS)
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .slice(0, 8)
    .map((d) => ({ displayName: d.seat.display_name, brigadeId: d.seat.brigade_id, startsAt: d.at.toISOString() }));
  return { timezone: tz, onShift: isOnShift(mine, now, tz), nextShiftStart: next ? next.toISOString() : null, due };
}
