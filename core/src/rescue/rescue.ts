/**
 * One-key rescue (一键救援): tow crews report their vehicle's position from the tow-crew page;
 * the party taps rescue; the nearest available vehicle is offered the job first, the next on a
 * decline or when the offer lapses (dispatch.ts, on the core's Clock: every read and every
 * position report moves lapsed offers on); the party sees the crew, the vehicle and the
 * estimated arrival; a rescue work order (救援工单) and the insurer's one-key report (一键报案)
 * are made with the request; the crew marks arrival and completion.
 */
import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { inTx, tenantDb } from '../context.ts';
import type { CaseEvent } from '../events/caseEvent.ts';
import type { TenantQueryable } from '../db/tenantDb.ts';
import { Errors } from '../errors.ts';
import { getCase, lockCase, transition } from '../cases/repository.ts';
import { nextCounter } from '../persistence/determinations.ts';
import { requireFeature } from '../platform/features.ts';
import { rescuesRepo, vehiclesRepo, type RescueRow, type VehicleRow } from '../persistence/rescues.ts';
import { advanceOffer, declineOffer, distanceKm, etaMinutes, type OfferState, type TowVehicle } from './dispatch.ts';
import { toLocal } from '../policy/localTime.ts';
import { maskPlate } from '../privacy/mask.ts';

export interface TowActor { tenant: string; id: string; orgId: string }

const feature = (ctx: CoreContext, tenant: string) => requireFeature(ctx.cities.get(tenant), 'one_key_rescue');

const asTow = (v: VehicleRow): TowVehicle => ({ id: v.id, status: v.status, lng: v.lng, lat: v.lat, positionAt: new Date(v.position_at) });
const stateOf = (r: RescueRow): OfferState => ({ status: r.status, offeredTo: r.offered_to, offerExpiresAt: r.offer_expires_at ? new Date(r.offer_expires_at) : null, passed: r.passed ?? [] });

/** Moves every unassigned rescue of the tenant on at `now` (lapsed offers pass to the next vehicle; waiting ones get one). */
async function advanceAll(q: TenantQueryable, now: Date): Promise<void> {
  const open = await rescuesRepo.unassigned(q);
  if (!open.length) return;
  const vehicles = (await vehiclesRepo.all(q)).map(asTow);
  // A vehicle offered one job is not offered another at the same time.
  const offered = new Set(open.filter((r) => r.status === 'offering' && r.offered_to).map((r) => r.offered_to!));
  for (const r of open) {
    const before = stateOf(r);
    if (before.offeredTo) offered.delete(before.offeredTo);
    const free = vehicles.filter((v) => !offered.has(v.id));
    const after = advanceOffer(before, free, r, now);
    if (after.offeredTo) offered.add(after.offeredTo);
    if (after !== before) await rescuesRepo.saveOffer(q, r.id, after);
  }
}

export async function advanceRescues(ctx: CoreContext, tenant: string): Promise<void> {
  await tenantDb(ctx, tenant).tx((q) => advanceAll(q, ctx.clock.now()));
}

/** The tow crew's page reports the vehicle's position (and whether it takes jobs); answers with its job or offer. */
export async function reportPosition(ctx: CoreContext, tow: TowActor, p: { plate: string; lng: number; lat: number; available: boolean }) {
  feature(ctx, tow.tenant);
  const db = tenantDb(ctx, tow.tenant);
  const now = ctx.clock.now();
  await db.tx(async (q) => {
    const known = await vehiclesRepo.byPerson(q, tow.id);
    await vehiclesRepo.report(q, { id: known?.id ?? randomUUID(), orgId: tow.orgId, personId: tow.id, plate: p.plate, available: p.available, lng: p.lng, lat: p.lat, at: now });
    await advanceAll(q, now);
  });
  return towJob(ctx, tow);
}

/** The crew's vehicle and the job offered to it or held by it. */
export async function towJob(ctx: CoreContext, tow: TowActor) {
  feature(ctx, tow.tenant);
  await advanceRescues(ctx, tow.tenant);
  const db = tenantDb(ctx, tow.tenant);
  const v = await vehiclesRepo.byPerson(db, tow.id);
  const job = v ? await rescuesRepo.ofVehicle(db, v.id) : undefined;
  return {
    vehicle: v ? { id: v.id, plate: v.plate, status: v.status, lng: v.lng, lat: v.lat, positionAt: new Date(v.position_at).toISOString() } : null,
    job: job && v ? {
      id: job.id, workOrderNo: job.work_order_no, caseNumber: job.case_number ?? '', status: job.status,
      offerExpiresAt: job.status === 'offering' && job.offer_expires_at ? new Date(job.offer_expires_at).toISOString() : null,
      lng: job.lng, lat: job.lat, distanceKm: round1(distanceKm(v, job)),
    } : null,
  };
}

/** The party taps rescue: a work order (and the insurer's report) is made and offered to the nearest vehicle. A second tap returns the open rescue. */
export async function requestRescue(ctx: CoreContext, tenant: string, caseId: string, p: { lng: number; lat: number; insurerId?: string }): Promise<RescueRow> {
  const city = ctx.cities.get(tenant);
  feature(ctx, tenant);
  if (p.insurerId && !city.profile.claims.insurers.some((i) => i.id === p.insurerId)) {
    throw Errors.validation(`insurerId: ${p.insurerId} is not an insurer of ${tenant}`, { field: 'insurerId', allowed: city.profile.claims.insurers.map((i) => i.id) });
  }
  const db = tenantDb(ctx, tenant);
  await getCase(db, tenant, caseId);
  const now = ctx.clock.now();
  await inTx(ctx, tenant, async (q, events) => {
    const open = await rescuesRepo.openOfCase(q, caseId, true);
    if (open && ['offering', 'waiting', 'accepted', 'arrived'].includes(open.status)) return;
    const local = toLocal(now, city.profile.timezone);
    const n = await nextCounter(q, `rescue:${local.year}`);
    const workOrderNo = `${city.profile.determination?.documentPrefix ?? tenant.toUpperCase()}-JY-${local.year}-${String(n).padStart(6, '0')}`;
    const id = randomUUID();
    await rescuesRepo.insert(q, {
      id, case_id: caseId, work_order_no: workOrderNo, lng: p.lng, lat: p.lat, insurer_id: p.insurerId ?? null,
      insurer_report_no: p.insurerId ? `${p.insurerId.toUpperCase()}-BA-${workOrderNo}` : null, requested_at: now,
    });
    await advanceAll(q, now);
    // The case is locked last, as in the crew's steps (rescues first), so the two never wait on each other.
    const c = await lockCase(q, tenant, caseId);
    events.push(await transition(q, c, 'rescue.requested', { rescueId: id, workOrderNo }, 'party', now));
  });
  return (await rescuesRepo.openOfCase(db, caseId))!;
}

/** What the party (and the officer) see of the case's rescue: the crew, the vehicle's position, the distance and the estimated arrival. */
export async function rescueOfCase(ctx: CoreContext, tenant: string, caseId: string) {
  feature(ctx, tenant);
  await advanceRescues(ctx, tenant);
  const db = tenantDb(ctx, tenant);
  const r = await rescuesRepo.openOfCase(db, caseId);
  if (!r) return null;
  const v = r.vehicle_id ? await vehiclesRepo.byId(db, r.vehicle_id) : undefined;
  const km = v ? distanceKm(v, r) : null;
  const insurer = r.insurer_id ? ctx.cities.get(tenant).profile.claims.insurers.find((i) => i.id === r.insurer_id) : undefined;
  return {
    id: r.id, caseId: r.case_id, workOrderNo: r.work_order_no, status: r.status, lng: r.lng, lat: r.lat,
    insurer: insurer ? { id: insurer.id, zh: insurer.name.zh, en: insurer.name.en } : null, insurerReportNo: r.insurer_report_no,
    requestedAt: new Date(r.requested_at).toISOString(),
    acceptedAt: r.accepted_at ? new Date(r.accepted_at).toISOString() : null,
    arrivedAt: r.arrived_at ? new Date(r.arrived_at).toISOString() : null,
    completedAt: r.completed_at ? new Date(r.completed_at).toISOString() : null,
    vehicle: v ? {
      plate: maskPlate(v.plate), company: v.org_name ?? '', crew: v.crew_name ?? '', lng: v.lng, lat: v.lat,
      positionAt: new Date(v.position_at).toISOString(),
    } : null,
    distanceKm: km === null ? null : round1(km),
    etaMinutes: km === null || r.status !== 'accepted' ? null : etaMinutes(km),
  };
}

async function crewStep(ctx: CoreContext, tow: TowActor, rescueId: string, step: (q: TenantQueryable, r: RescueRow, v: VehicleRow, now: Date, events: CaseEvent[]) => Promise<void>) {
  feature(ctx, tow.tenant);
  const now = ctx.clock.now();
  await inTx(ctx, tow.tenant, async (q, events) => {
    await advanceAll(q, now);
    const v = await vehiclesRepo.byPerson(q, tow.id);
    const r = await rescuesRepo.byId(q, rescueId, true);
    if (!v || !r || (r.offered_to !== v.id && r.vehicle_id !== v.id && !(r.passed ?? []).includes(v.id))) throw Errors.notFound('no such rescue for your vehicle');
    await step(q, r, v, now, events);
  });
  return towJob(ctx, tow);
}

export const acceptRescue = (ctx: CoreContext, tow: TowActor, rescueId: string) => crewStep(ctx, tow, rescueId, async (q, r, v, now) => {
  if (r.status !== 'offering' || r.offered_to !== v.id) throw Errors.rescueOfferGone(undefined, { status: r.status });
  await rescuesRepo.accept(q, r.id, v.id, now);
  await vehiclesRepo.setStatus(q, v.id, 'busy');
});

export const declineRescue = (ctx: CoreContext, tow: TowActor, rescueId: string) => crewStep(ctx, tow, rescueId, async (q, r, v, now) => {
  if (r.status !== 'offering' || r.offered_to !== v.id) throw Errors.rescueOfferGone(undefined, { status: r.status });
  const others = (await vehiclesRepo.all(q)).map(asTow);
  await rescuesRepo.saveOffer(q, r.id, declineOffer(stateOf(r), v.id, others, r, now));
});

export const markRescue = (ctx: CoreContext, tow: TowActor, rescueId: string, status: 'arrived' | 'completed') => crewStep(ctx, tow, rescueId, async (q, r, v, now, events) => {
  const from = status === 'arrived' ? 'accepted' : 'arrived';
  if (r.vehicle_id !== v.id) throw Errors.notFound('no such rescue for your vehicle');
  if (r.status !== from) throw Errors.transitionNotAllowed(`the rescue is ${r.status}`, { state: r.status });
  await rescuesRepo.mark(q, r.id, status, now);
  if (status === 'completed') await vehiclesRepo.setStatus(q, v.id, 'available');
  const c = await lockCase(q, tow.tenant, r.case_id);
  const actor = `partner:${tow.id}`;
  events.push(status === 'arrived'
    ? await transition(q, c, 'rescue.arrived', { rescueId: r.id, requestToArrivalSeconds: Math.max(0, (now.getTime() - new Date(r.requested_at).getTime()) / 1000) }, actor, now)
    : await transition(q, c, 'rescue.completed', { rescueId: r.id }, actor, now));
});

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
