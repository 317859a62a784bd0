/** The `brigades` and `brigade_districts` tables: a city's brigades (大队) once its admin edits them. */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';

export interface BrigadeRow { id: string; name_zh: string; name_en: string | null; districts: string[] }

export const brigadesRepo = {
  /** Every brigade of the tenant with the districts it covers (none: the city still routes by its profile). */
  list: (q: Q) =>
    q.query<BrigadeRow>(
      `SELECT b.id, b.name_zh, b.name_en, coalesce(array_agg(d.district ORDER BY d.district) FILTER (WHERE d.district IS NOT NULL), '{}') AS districts
       FROM brigades b LEFT JOIN brigade_districts d ON d.tenant = b.tenant AND d.brigade_id = b.id
       WHERE b.tenant = $1 GROUP BY b.id, b.name_zh, b.name_en, b.created_at ORDER BY b.created_at, b.id`, [q.tenant]),

  async exists(q: Q, id: string): Promise<boolean> {
    return (await q.query('SELECT 1 FROM brigades WHERE tenant = $1 AND id = $2', [q.tenant, id])).length > 0;
  },

  async any(q: Q): Promise<boolean> {
    return (await q.query('SELECT 1 FROM brigades WHERE tenant = $1 LIMIT 1', [q.tenant])).length > 0;
  },

  async insert(q: Q, b: { id: string; nameZh: string; nameEn: string | null; at: Date }): Promise<void> {
    await q.query('INSERT INTO brigades (tenant, id, name_zh, name_en, created_at) VALUES ($1, $2, $3, $4, $5)', [q.tenant, b.id, b.nameZh, b.nameEn, b.at]);
  },

  async rename(q: Q, id: string, nameZh: string, nameEn: string | null): Promise<void> {
    await q.query('UPDATE brigades SET name_zh = $3, name_en = $4 WHERE tenant = $1 AND id = $2', [q.tenant, id, nameZh, nameEn]);
  },

  /** `brigadeId` covers exactly `districts` from now on; a district another brigade covered moves here. */
  async setDistricts(q: Q, brigadeId: string, districts: readonly string[]): Promise<void> {
    await q.query('DELETE FROM brigade_districts WHERE tenant = $1 AND (brigade_id = $2 OR district = ANY($3::text[]))', [q.tenant, brigadeId, districts]);
    if (districts.length) {
      await q.query('INSERT INTO brigade_districts (tenant, district, brigade_id) SELECT $1, d, $2 FROM unnest($3::text[]) AS d', [q.tenant, brigadeId, districts]);
    }
  },

  /** The brigade covering a district, when the tenant keeps its brigades here. */
  async ofDistrict(q: Q, district: string): Promise<{ id: string; name_zh: string; name_en: string | null } | undefined> {
    const [b] = await q.query<{ id: string; name_zh: string; name_en: string | null }>(
      'SELECT b.id, b.name_zh, b.name_en FROM brigade_districts d JOIN brigades b ON b.tenant = d.tenant AND b.id = d.brigade_id WHERE d.tenant = $1 AND d.district = $2',
      [q.tenant, district]);
    return b;
  },

  /** How many staff belong to each brigade. */
  staffCounts: (q: Q) =>
    q.query<{ brigade_id: string; n: number }>('SELECT brigade_id, count(*)::int AS n FROM staff WHERE tenant = $1 AND brigade_id IS NOT NULL GROUP BY brigade_id', [q.tenant]),
};
