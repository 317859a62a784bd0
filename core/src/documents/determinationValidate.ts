/** A determination is checked whole before anything is drawn: a RangeError names the first bad field. */
import { assertTimeZone } from '../policy/localTime.ts';
import { LIABILITY_LABELS, MAX_FACTS_CHARS, ROLES, type DeterminationDocument } from './determinationDocument.ts';

const MAX_FIELD_CHARS = 300;
const MAX_NOTICE_CHARS = 600;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export function validateDetermination(doc: DeterminationDocument): void {
  const fail = (msg: string): never => {
    throw new RangeError(`determination ${doc.number || '(no number)'}: ${msg}`);
  };
  const text = (value: unknown, field: string, max = MAX_FIELD_CHARS): void => {
    if (typeof value !== 'string' || value.trim() === '') fail(`${field} is empty`);
    else if (Array.from(value).length > max) fail(`${field} is longer than ${max} characters`);
  };
  /** May be empty (printed as a dash); must be a string of sane length. */
  const optional = (value: unknown, field: string, max = MAX_FIELD_CHARS): void => {
    if (typeof value !== 'string') fail(`${field} is not a string`);
    else if (Array.from(value).length > max) fail(`${field} is longer than ${max} characters`);
  };
  const time = (value: unknown, field: string): void => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) fail(`${field} is not a valid Date`);
  };
  text(doc.number, 'number', 64);
  text(doc.bureau, 'bureau', 64);
  text(doc.brigade, 'brigade', 64);
  text(doc.city, 'city', 32);
  try {
    assertTimeZone(doc.timeZone);
  } catch {
    fail(`unknown time zone ${doc.timeZone}`);
  }
  time(doc.issuedAt, 'issuedAt');
  time(doc.accident?.time, 'accident.time');
  optional(doc.accident.address, 'accident.address');
  optional(doc.accident.district, 'accident.district', 32);
  if (doc.accident.address.trim() === '' && doc.accident.district.trim() === '') fail('accident.address and accident.district are both empty');
  text(doc.accident.type, 'accident.type', 64);
  const { lng, lat } = doc.accident;
  if (!Number.isFinite(lng) || Math.abs(lng) > 180 || !Number.isFinite(lat) || Math.abs(lat) > 90) fail(`bad coordinates ${lng},${lat}`);
  text(doc.facts, 'facts', MAX_FACTS_CHARS);
  if (!Array.isArray(doc.parties) || doc.parties.length === 0) fail('no parties');
  if (doc.parties.length > ROLES.length) fail(`at most ${ROLES.length} parties`);
  const seen = new Set<string>();
  doc.parties.forEach((p, i) => {
    const at = `parties[${i}]`;
    if (!ROLES.includes(p.role)) fail(`${at}.role ${String(p.role)} is not one of ${ROLES.join('/')}`);
    if (seen.has(p.role)) fail(`${at}.role ${p.role} appears twice`);
    seen.add(p.role);
    if (!Object.hasOwn(LIABILITY_LABELS, p.liability)) fail(`${at}.liability ${String(p.liability)} is not one of ${Object.keys(LIABILITY_LABELS).join('|')}`);
    text(p.name, `${at}.name`, 64);
    text(p.plate, `${at}.plate`, 32);
    optional(p.vehicleClass, `${at}.vehicleClass`, 64);
    optional(p.insurer, `${at}.insurer`, 64);
    text(p.faultBehaviour, `${at}.faultBehaviour`);
  });
  if (!SHA256_HEX.test(doc.evidenceChainHead ?? '')) fail('evidenceChainHead is not a hex SHA-256');
  if (!Number.isInteger(doc.reviewWindowDays) || doc.reviewWindowDays < 1 || doc.reviewWindowDays > 99) {
    fail(`reviewWindowDays ${doc.reviewWindowDays} is not a whole number of days between 1 and 99`);
  }
  if (doc.reviewNotice !== undefined) text(doc.reviewNotice, 'reviewNotice', MAX_NOTICE_CHARS);
  text(doc.verification?.url, 'verification.url', 512);
  text(doc.verification?.code, 'verification.code', 64);
}
