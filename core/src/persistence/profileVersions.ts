/** The `profile_versions` and `profile_active` tables: a city's published profiles and the live one. */
import type { Queryable } from '../db/db.ts';
import type { TenantQueryable as Q } from '../db/tenantDb.ts';

export interface ProfileVersionRow {
  version: number;
  sha256: string;
  file_name: string;
  published_by: string;
  published_at: Date;
}

export interface ActiveProfileRow {
  tenant: string;
  version: number;
  source: string;
  file_name: string;
}

const summary = 'version, sha256, file_name, published_by, published_at';

export const profileVersionsRepo = {
  list: (q: Q) => q.query<ProfileVersionRow>(`SELECT ${summary} FROM profile_versions WHERE tenant = $1 ORDER BY version DESC`, [q.tenant]),

  async get(q: Q, version: number): Promise<(ProfileVersionRow & { source: string }) | undefined> {
    const [row] = await q.query<ProfileVersionRow & { source: string }>(`SELECT ${summary}, source FROM profile_versions WHERE tenant = $1 AND version = $2`, [q.tenant, version]);
    return row;
  },

  /** Stores the next version number; the table's key makes two concurrent publishes of one city collide rather than share a number. */
  async insert(q: Q, v: { source: string; sha256: string; fileName: string; publishedBy: string; at: Date }): Promise<number> {
    const [row] = await q.query<{ version: number }>(
      `INSERT INTO profile_versions (tenant, version, source, sha256, file_name, published_by, published_at)
       SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6 FROM profile_versions WHERE tenant = $1
       RETURNING version`,
      [q.tenant, v.source, v.sha256, v.fileName, v.publishedBy, v.at],
    );
    return row!.version;
  },

  async active(q: Q): Promise<{ version: number; activated_by: string; activated_at: Date } | undefined> {
    const [row] = await q.query<{ version: number; activated_by: string; activated_at: Date }>('SELECT version, activated_by, activated_at FROM profile_active WHERE tenant = $1', [q.tenant]);
    return row;
  },

  /** The live profile's text, or undefined when the city is served from its file. */
  async activeSource(q: Q): Promise<ActiveProfileRow | undefined> {
    const [row] = await q.query<ActiveProfileRow>(
      'SELECT a.tenant, a.version, v.source, v.file_name FROM profile_active a JOIN profile_versions v USING (tenant, version) WHERE a.tenant = $1', [q.tenant]);
    return row;
  },

  async activate(q: Q, version: number, by: string, at: Date): Promise<void> {
    await q.query(
      `INSERT INTO profile_active (tenant, version, activated_by, activated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant) DO UPDATE SET version = EXCLUDED.version, activated_by = EXCLUDED.activated_by, activated_at = EXCLUDED.activated_at`,
      [q.tenant, version, by, at],
    );
  },

  /** Every city's live profile, read once at start (through acrossTenants: which cities have one is what it finds out). */
  allActive: (q: Queryable) =>
    q.query<ActiveProfileRow>('SELECT a.tenant, a.version, v.source, v.file_name FROM profile_active a JOIN profile_versions v USING (tenant, version) ORDER BY a.tenant'),
};
