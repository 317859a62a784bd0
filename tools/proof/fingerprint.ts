/**
 * What a refused request must leave as it was: a digest of every table that holds case data,
 * accounts or published profiles (read across tenants through the one named door), and the
 * set of stored files. Tables that record refusals by design — sign-in throttles, one-time
 * code tries, the audit log, sessions, rate-limit counters — are left out: a wrong password
 * is meant to count. Also: every case's evidence chain, recomputed by the server.
 */
import { acrossTenants } from '@kuaichu/core/harness';
import type { TestCore } from '@kuaichu/testkit/core';

export const GUARDED_TABLES = ['cases', 'case_events', 'evidence', 'determinations', 'reviews', 'claims', 'counters', 'case_number_counters',
  'deliveries', 'profile_versions', 'profile_active', 'staff', 'seats'] as const;

export interface Fingerprinter {
  /** One digest of the guarded tables and the stored files. */
  take(): Promise<string>;
  /**
   * The digest once the server is quiet: work a request started after its answer (an SMS tried
   * at once, a claim pushed) has finished — the digest holds across a few turns of the event loop
   * and a database round trip. A condition, not a pause.
   */
  settle(): Promise<string>;
  /** Which tables (or files) differ between two digests' parts. */
  diff(a: string, b: string): string[];
  /** Files stored now. */
  files(): ReadonlySet<string>;
}

export async function fingerprinter(t: TestCore): Promise<Fingerprinter> {
  // The file store is a port: watch what is put and removed, as the store itself would count.
  const stored = new Set<string>();
  const files = t.core.ctx.files;
  const put = files.put.bind(files);
  const remove = files.remove.bind(files);
  files.put = async (bytes, type) => {
    const f = await put(bytes, type);
    stored.add(f.sha256);
    return f;
  };
  files.remove = async (sha) => {
    await remove(sha);
    stored.delete(sha);
  };
  const existing = await acrossTenants(t.db, 'proof: files the evidence holds', (q) => q.query<{ sha: string }>('SELECT DISTINCT file_sha256 AS sha FROM evidence WHERE file_sha256 IS NOT NULL'));
  for (const { sha } of existing) stored.add(sha);

  const present = new Set((await acrossTenants(t.db, 'proof: which tables exist', (q) => q.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"))).map((r) => r.name));
  const tables = GUARDED_TABLES.filter((n) => present.has(n));
  const sql = tables.map((n) => `SELECT '${n}' AS name, coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '-') AS digest FROM ${n} x`).join(' UNION ALL ');
  const take = async () => {
    const rows = await acrossTenants(t.db, 'proof: digest of the guarded tables', (q) => q.query<{ name: string; digest: string }>(sql));
    return [...rows.map((r) => `${r.name}=${r.digest}`), `files=${[...stored].sort().join(',')}`].join('\n');
  };
  const turns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    take,
    async settle() {
      let last = await take();
      for (let stable = 0; stable < 3;) {
        await turns(5);
        const now = await take();
        stable = now === last ? stable + 1 : 0;
        last = now;
      }
      return last;
    },
    diff(a, b) {
      const bl = b.split('\n');
      return a.split('\n').filter((line, i) => line !== bl[i]).map((line) => line.split('=')[0]!);
    },
    files: () => stored,
  };
}

/** Cases whose evidence chain the server does not find intact (GET /api/cases/:id as the officer). */
export async function brokenChains(t: TestCore): Promise<string[]> {
  const broken: string[] = [];
  for (const tenant of ['harbin', 'kunming']) {
    const ids = await acrossTenants(t.db, 'proof: every case', (q) => q.query<{ id: string }>('SELECT id FROM cases WHERE tenant = $1', [tenant]));
    const officer = await t.staff(tenant, 'officer');
    for (const { id } of ids) {
      const r = await t.call('GET', `/api/cases/${id}`, { token: officer });
      if (r.statusCode !== 200 || r.json().chain?.ok !== true) broken.push(`${tenant}/${id}: ${r.statusCode} ${JSON.stringify(r.json().chain ?? r.body.slice(0, 120))}`);
    }
  }
  return broken;
}
