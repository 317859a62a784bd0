/**
 * Migrations: numbered SQL files in migrations/, applied once each in order, inside one
 * transaction per file. An advisory lock keeps two server processes from migrating at once.
 * They run as the database's owner, before the app takes its restricted role (Db.restrict).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 7_318_204; // any constant shared by every kuaichu process

export async function migrate(db: Db): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  if (db.restricted) {
    // The app role may read the list, never change the schema: all must be applied already.
    const done = new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
    const pending = files.filter((f) => !done.has(f));
    if (pending.length) throw new Error(`migrations ${pending.join(', ')} must run as the database owner, before Db.restrict()`);
    return [];
  }
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  const applied: string[] = [];
  for (const file of files) {
    const done = await db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      // A migration that moves data sees every tenant's rows (row-level security, 004), by name.
      await q.query("SELECT set_config('kuaichu.across', 'migrations', true)");
      const [row] = await q.query('SELECT 1 FROM schema_migrations WHERE name = $1', [file]);
      if (row) return false;
      for (const statement of splitStatements(readFileSync(path.join(dir, file), 'utf8'))) await q.query(statement);
      await q.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      return true;
    });
    if (done) applied.push(file);
  }
  return applied;
}

/** Statements separated by `;` at line ends (function bodies and DO blocks stay on one line). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
