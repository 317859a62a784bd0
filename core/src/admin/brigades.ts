/**
 * A city's brigades (大队) and the districts each covers, as its admin keeps them. Until the
 * admin first changes them, the profile's routing.brigades are the brigades; the first change
 * copies them into the database, from where intake then routes (a district: one brigade). The
 * districts are always the profile's (area.include): a brigade covers only districts the city serves.
 */
import type { CoreContext } from '../context.ts';
import { tenantDb } from '../context.ts';
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import { Errors } from '../errors.ts';
import type { AdminBrigades, BrigadeName, LocalText } from '../generated/types.ts';
import { brigadesRepo } from '../persistence/brigades.ts';
import { audit } from '../auth/audit.ts';
import type { CompiledCity } from '../policy/city.ts';

export interface Actor { id: string; tenant: string }

/** The brigades in force: the database's once the admin edited them, else the profile's (the wallboard counts by them, as intake routes). */
export async function current(q: Q, city: CompiledCity): Promise<{ brigades: Array<{ id: string; name: BrigadeName; districts: string[] }>; fromProfile: boolean }> {
  const rows = await brigadesRepo.list(q);
  if (rows.length) return { fromProfile: false, brigades: rows.map((r) => ({ id: r.id, name: { zh: r.name_zh, ...(r.name_en ? { en: r.name_en } : {}) }, districts: r.districts })) };
  return { fromProfile: true, brigades: city.profile.routing.brigades.map((b) => ({ id: b.id, name: b.name, districts: [...b.districts] })) };
}

export async function listBrigades(ctx: CoreContext, tenant: string): Promise<AdminBrigades> {
  const city = ctx.cities.get(tenant);
  return tenantDb(ctx, tenant).tx(async (q) => {
    const { brigades, fromProfile } = await current(q, city);
    const counts = new Map((await brigadesRepo.staffCounts(q)).map((c) => [c.brigade_id, c.n]));
    return { fromProfile, districts: [...city.profile.area.include], brigades: brigades.map((b) => ({ ...b, staff: counts.get(b.id) ?? 0 })) };
  });
}

/** Whether the city has this brigade (the database's, or the profile's until the admin edits them). For staff creation and CSV import. */
export async function brigadeExists(ctx: CoreContext, tenant: string, id: string): Promise<boolean> {
  const city = ctx.cities.get(tenant);
  return tenantDb(ctx, tenant).tx(async (q) => (await current(q, city)).brigades.some((b) => b.id === id));
}

/** The brigade covering `district` when the city keeps its brigades in the database (intake routes by it); undefined: route by the profile. */
export async function brigadeOfDistrict(ctx: CoreContext, tenant: string, district: string): Promise<{ id: string; name: LocalText } | undefined> {
  const db = tenantDb(ctx, tenant);
  const b = await brigadesRepo.ofDistrict(db, district);
  return b ? { id: b.id, name: { zh: b.name_zh, en: b.name_en ?? b.name_zh } } : undefined;
}

/** The first edit adopts the profile's brigades into the database (same ids, names, districts). */
async function adopt(q: Q, city: CompiledCity, at: Date): Promise<void> {
  if (await brigadesRepo.any(q)) return;
  for (const b of city.profile.routing.brigades) {
    await brigadesRepo.insert(q, { id: b.id, nameZh: b.name.zh, nameEn: b.name.en ?? null, at });
    await brigadesRepo.setDistricts(q, b.id, b.districts);
  }
}

function checkDistricts(city: CompiledCity, districts: readonly string[]): void {
  const known = new Set(city.profile.area.include);
  const unknown = districts.filter((d) => !known.has(d));
  if (unknown.length) throw Errors.validation(`${city.tenant} serves no district ${unknown.map((d) => `"${d}"`).join(', ')}`, { field: 'districts', unknown, known: [...known] });
  if (new Set(districts).size !== districts.length) throw Errors.validation('a district is named twice', { field: 'districts' });
}

type BrigadeState = { id: string; name: BrigadeName; districts: string[] } | undefined;
const find = async (q: Q, city: CompiledCity, id: string): Promise<BrigadeState> => (await current(q, city)).brigades.find((b) => b.id === id);

export async function createBrigade(ctx: CoreContext, by: Actor, body: { id: string; name: BrigadeName; districts?: string[] }): Promise<AdminBrigades> {
  const city = ctx.cities.get(by.tenant);
  const districts = body.districts ?? [];
  checkDistricts(city, districts);
  const at = ctx.clock.now();
  await tenantDb(ctx, by.tenant).tx(async (q) => {
    await adopt(q, city, at);
    if (await brigadesRepo.exists(q, body.id)) throw Errors.brigadeExists(`${by.tenant} already has a brigade "${body.id}"`, { id: body.id });
    const moved = await movedFrom(q, districts);
    await brigadesRepo.insert(q, { id: body.id, nameZh: body.name.zh, nameEn: body.name.en ?? null, at });
    await brigadesRepo.setDistricts(q, body.id, districts);
    await audit(q, { tenant: by.tenant, at, actor: by.id, action: 'brigade.created', subject: body.id, details: { before: null, after: { name: body.name, districts }, ...(moved.length ? { moved } : {}) } });
  });
  return listBrigades(ctx, by.tenant);
}

export async function updateBrigade(ctx: CoreContext, by: Actor, id: string, body: { name?: BrigadeName; districts?: string[] }): Promise<AdminBrigades> {
  const city = ctx.cities.get(by.tenant);
  if (body.districts) checkDistricts(city, body.districts);
  const at = ctx.clock.now();
  await tenantDb(ctx, by.tenant).tx(async (q) => {
    const before = await find(q, city, id);
    if (!before) throw Errors.notFound(`this city has no brigade with this id`);
    await adopt(q, city, at);
    const name = body.name ?? before.name;
    const districts = body.districts ?? before.districts;
    const dropped = before.districts.filter((d) => !districts.includes(d));
    if (dropped.length) throw Errors.validation(`every district keeps a brigade: give ${dropped.map((d) => `"${d}"`).join(', ')} to another brigade instead of removing it here`, { field: 'districts', dropped });
    const moved = body.districts ? await movedFrom(q, districts.filter((d) => !before.districts.includes(d))) : [];
    if (body.name) await brigadesRepo.rename(q, id, name.zh, name.en ?? null);
    if (body.districts) await brigadesRepo.setDistricts(q, id, districts);
    await audit(q, { tenant: by.tenant, at, actor: by.id, action: 'brigade.updated', subject: id, details: { before: { name: before.name, districts: before.districts }, after: { name, districts }, ...(moved.length ? { moved } : {}) } });
  });
  return listBrigades(ctx, by.tenant);
}

/** Which brigade each of `districts` leaves (for the audit: a district moved is a change to two brigades). */
async function movedFrom(q: Q, districts: readonly string[]): Promise<Array<{ district: string; from: string }>> {
  const out = [];
  for (const d of districts) {
    const b = await brigadesRepo.ofDistrict(q, d);
    if (b) out.push({ district: d, from: b.id });
  }
  return out;
}
