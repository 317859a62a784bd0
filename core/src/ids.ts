/**
 * Case ids are UUID version 7 (RFC 9562): the first 48 bits are the report's Unix time in
 * milliseconds, the rest random. Their text sorts by report time, so stores keyed by
 * (tenant, case id) keep a tenant's cases in time order — analytics prunes a date range on
 * the key alone (plugins/analytics-clickhouse) and PostgreSQL's index appends at the end.
 */
import { randomBytes } from 'node:crypto';

export function uuidv7(at: Date | number = Date.now()): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  if (!Number.isInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError(`uuidv7: time out of range: ${ms}`);
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f); // version 7
  b[8] = 0x80 | (b[8]! & 0x3f); // variant 10
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The text every UUIDv7 made at or after `ms` sorts at or after (and every one made before it,
 * before): a key range `[uuidv7Bound(from), uuidv7Bound(to))` holds exactly the ids of [from, to).
 */
export function uuidv7Bound(ms: number): string {
  const h = Math.max(0, Math.min(2 ** 48 - 1, Math.floor(ms))).toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}`;
}

/** The time a UUIDv7 was made (ms), or null for another version. */
export function uuidv7Time(id: string): number | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7/i.test(id)) return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
