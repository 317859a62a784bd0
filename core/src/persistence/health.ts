/** Whether the database answers (readiness): a statement that touches no table. */
import type { Queryable } from '../db/db.ts';

export async function ping(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
