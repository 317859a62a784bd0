/**
 * Demo staff for each city on first start (never in production): a seat for each brigade,
 * an officer, an analyst, an admin and a duty supervisor (`supervisor`, 班长); the first city (by tenant id) of each province also gets
 * `province`, a provincial analyst who sees the metrics of the cities of that province (nantong's
 * sees Nantong and Yancheng, 江苏). Passwords come from KUAICHU_DEMO_PASSWORD or are generated
 * once and printed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from './db/db.ts';
import { forTenant, type TenantDb } from './db/tenantDb.ts';
import { staffRepo } from './persistence/staff.ts';
import { seatsRepo } from './persistence/seats.ts';
import type { CompiledCity } from './policy/city.ts';
import { hashPassword } from './auth/password.ts';
import { citiesOfProvince } from './policy/province.ts';

export interface DemoLogin {
  tenant: string;
  username: string;
  password: string;
  roles: string[];
  brigadeId: string | null;
}

export async function seedDemoStaff(db: Db, all: readonly CompiledCity[], password = process.env.KUAICHU_DEMO_PASSWORD): Promise<DemoLogin[]> {
  const created: DemoLogin[] = [];
  // Drafts get no demo logins: their bureau creates its own staff when it goes live.
  const cities = all.filter((c) => c.profile.status !== 'draft');
  const provinceHomes = new Set(cities.map((c) => citiesOfProvince(cities, c.tenant)[0]));
  for (const city of cities) {
    const q = forTenant(db, city.tenant);
    if ((await staffRepo.usernames(q)).length > 0) continue;
    const pw = password ?? randomBytes(9).toString('base64url');
    const hash = await hashPassword(pw);
    const people: Array<Omit<DemoLogin, 'tenant' | 'password'> & { name: string }> = [
      ...city.profile.routing.brigades.map((b) => ({ username: `seat-${b.id}`, name: `${b.name.zh}接警员`, roles: ['seat'], brigadeId: b.id })),
      { username: 'officer', name: '事故民警', roles: ['officer'], brigadeId: null },
      { username: 'analyst', name: '分析员', roles: ['analyst'], brigadeId: null },
      { username: 'admin', name: '管理员', roles: ['admin'], brigadeId: null },
      { username: 'supervisor', name: '值班班长', roles: ['supervisor'], brigadeId: null },
      ...(provinceHomes.has(city.tenant) ? [{ username: 'province', name: '省级分析员', roles: ['provincial_analyst'], brigadeId: null }] : []),
    ];
    for (const p of people) {
      await insertStaff(q, p, hash);
      created.push({ tenant: city.tenant, username: p.username, password: pw, roles: p.roles, brigadeId: p.brigadeId });
    }
  }
  return created;
}

/**
 * More seats for a brigade (never in production): the simulator staffs a roster with more
 * than the one demo seat per brigade. Usernames that exist are left as they are.
 */
export async function addDemoSeats(db: Db, tenant: string, seats: ReadonlyArray<{ username: string; name: string; brigadeId: string }>, password: string): Promise<void> {
  const q = forTenant(db, tenant);
  const existing = new Set(await staffRepo.usernames(q));
  const missing = seats.filter((s) => !existing.has(s.username));
  if (!missing.length) return;
  const hash = await hashPassword(password);
  for (const s of missing) await insertStaff(q, { ...s, roles: ['seat'] }, hash);
}

async function insertStaff(db: TenantDb, p: { username: string; name: string; roles: string[]; brigadeId: string | null }, hash: string): Promise<void> {
  const id = randomUUID();
  await db.tx(async (q) => {
    await staffRepo.insert(q, { id, username: p.username, name: p.name, passwordHash: hash, roles: p.roles, brigadeId: p.brigadeId });
    if (p.roles.includes('seat')) await seatsRepo.add(q, id, p.brigadeId);
  });
}
