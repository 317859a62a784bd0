/**
 * Importing staff from a CSV file (人员批量导入): UTF-8, a byte-order mark tolerated, quoted fields
 * as RFC 4180 has them. A header names the columns (English or Chinese): username/用户名,
 * displayName/姓名, roles/角色 (several split by ; | 、 or spaces; 坐席 民警 分析员 管理员 班长
 * understood), brigade/大队 (optional; a seat needs one), password/密码 (optional: generated and
 * shown once). Every row is checked before anything is written, and every bad row is reported
 * with its line; the good file is then created in one transaction through createStaff, so a
 * file goes in whole or not at all. Passwords are never logged or audited.
 */
import type { CoreContext } from '../context.ts';
import { tenantDb } from '../context.ts';
import { Errors } from '../errors.ts';
import type { StaffImported, StaffRole } from '../generated/types.ts';
import { audit } from '../auth/audit.ts';
import { createStaff, rolesProblem, weakPasswordReason } from '../auth/staffCreate.ts';
import { staffRepo } from '../persistence/staff.ts';
import { brigadeExists } from './brigades.ts';
import { generatePassword } from './staffAccounts.ts';

/** Records of a CSV text with the line each starts on (1-based; a quoted field may span lines). */
export function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let touched = false;
  const endRecord = () => {
    fields.push(field);
    if (touched || fields.length > 1 || field !== '') records.push({ line: start, fields });
    fields = [];
    field = '';
    touched = false;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === '') (quoted = true), (touched = true);
    else if (ch === ',') (fields.push(field), (field = ''), (touched = true));
    else if (ch === '\r' && src[i + 1] === '\n') continue;
    else if (ch === '\n' || ch === '\r') {
      endRecord();
      line++;
      start = line;
    } else field += ch;
  }
  if (quoted) throw Errors.staffImportInvalid('a quoted field is not closed', { rows: [{ line: start, problem: 'a quoted field is not closed' }] });
  if (field !== '' || fields.length || touched) endRecord();
  return records;
}

const COLUMNS: Record<string, 'username' | 'displayName' | 'roles' | 'brigadeId' | 'password'> = {
  username: 'username', 用户名: 'username', 账号: 'username',
  displayname: 'displayName', name: 'displayName', 姓名: 'displayName',
  roles: 'roles', role: 'roles', 角色: 'roles',
  brigade: 'brigadeId', brigadeid: 'brigadeId', 大队: 'brigadeId',
  password: 'password', 密码: 'password',
};
const ROLE_WORDS: Record<string, StaffRole> = {
  seat: 'seat', 坐席: 'seat', 接警员: 'seat', officer: 'officer', 民警: 'officer', analyst: 'analyst', 分析员: 'analyst',
  provincial_analyst: 'provincial_analyst', 省级分析员: 'provincial_analyst', admin: 'admin', 管理员: 'admin', supervisor: 'supervisor', 班长: 'supervisor',
};
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,47}$/;
export const MAX_ROWS = 2000;

export interface RowProblem {
  line: number;
  field?: string;
  problem: string;
}

export async function importStaff(ctx: CoreContext, by: { id: string; tenant: string; username: string }, csv: string, dryRun: boolean): Promise<StaffImported> {
  const tenant = by.tenant;
  const [header, ...rows] = parseCsv(csv);
  if (!header) throw Errors.staffImportInvalid('the file is empty', { rows: [{ line: 1, problem: 'the file is empty: the first line names the columns' }] });
  const cols = header.fields.map((h) => COLUMNS[h.trim().toLowerCase().replace(/[\s_-]/g, '')] ?? COLUMNS[h.trim()]);
  const headerProblems: RowProblem[] = [];
  header.fields.forEach((h, i) => { if (!cols[i]) headerProblems.push({ line: header.line, field: h, problem: `unknown column "${h}" (username, displayName, roles, brigade, password)` }); });
  for (const need of ['username', 'displayName', 'roles'] as const) if (!cols.includes(need)) headerProblems.push({ line: header.line, field: need, problem: `the header lacks the ${need} column` });
  if (headerProblems.length) throw Errors.staffImportInvalid('the header is not understood; nothing was imported', { rows: headerProblems });
  if (!rows.length) throw Errors.staffImportInvalid('the file has no rows under its header', { rows: [{ line: header.line + 1, problem: 'no rows' }] });
  if (rows.length > MAX_ROWS) throw Errors.staffImportInvalid(`at most ${MAX_ROWS} rows at once`, { rows: [{ line: rows[MAX_ROWS]!.line, problem: `more than ${MAX_ROWS} rows` }] });

  const db = tenantDb(ctx, tenant);
  const existing = new Set(await staffRepo.usernames(db));
  const seen = new Map<string, number>();
  const problems: RowProblem[] = [];
  const good: Array<{ line: number; username: string; displayName: string; roles: StaffRole[]; brigadeId: string | null; password: string; generated: boolean }> = [];
  for (const r of rows) {
    const bad = (field: string, problem: string) => problems.push({ line: r.line, field, problem });
    const before = problems.length;
    if (r.fields.length !== header.fields.length) {
      bad('*', `${r.fields.length} fields where the header has ${header.fields.length}`);
      continue;
    }
    const get = (c: string) => (r.fields[cols.indexOf(c as never)] ?? '').trim();
    const username = get('username');
    const displayName = get('displayName');
    const roleWords = get('roles').split(/[;|、，,\s]+/).filter(Boolean);
    const brigadeId = get('brigadeId') || null;
    const password = cols.includes('password') ? r.fields[cols.indexOf('password')]! : '';
    if (!USERNAME.test(username)) bad('username', `"${username}" is not a user name (a–z, 0–9, . _ -; 2–48 characters, starting with a letter or digit)`);
    else if (existing.has(username)) bad('username', `"${username}" already exists in this city`);
    else if (seen.has(username)) bad('username', `"${username}" is also on line ${seen.get(username)}`);
    else seen.set(username, r.line);
    if (!displayName || [...displayName].length > 100) bad('displayName', 'a name of 1–100 characters is needed');
    const roles = [...new Set(roleWords.map((w) => ROLE_WORDS[w.toLowerCase()] ?? ROLE_WORDS[w]))];
    const unknown = roleWords.filter((w) => !(ROLE_WORDS[w.toLowerCase()] ?? ROLE_WORDS[w]));
    if (unknown.length) bad('roles', `unknown role ${unknown.map((u) => `"${u}"`).join(', ')} (seat, officer, analyst, admin, supervisor)`);
    else {
      const rp = rolesProblem(tenant, roles as StaffRole[]);
      if (rp) bad('roles', rp);
    }
    if (roles.includes('seat') && !brigadeId) bad('brigade', 'a seat belongs to a brigade');
    if (brigadeId && !(await brigadeExists(ctx, tenant, brigadeId))) bad('brigade', `the city has no brigade "${brigadeId}"`);
    if (password) {
      const weak = weakPasswordReason(password, { username, tenant });
      if (weak) bad('password', `the password is too weak: ${weak}`);
    }
    if (problems.length === before) good.push({ line: r.line, username, displayName, roles: roles as StaffRole[], brigadeId, password: password || generatePassword(), generated: !password });
  }
  if (problems.length) throw Errors.staffImportInvalid(`${new Set(problems.map((p) => p.line)).size} of ${rows.length} rows are bad; nothing was imported`, { rows: problems });

  if (!dryRun) {
    const at = ctx.clock.now();
    await db.tx(async (q) => {
      for (const g of good) {
        await createStaff(ctx.db, { tenant, username: g.username, displayName: g.displayName, roles: g.roles, brigadeId: g.brigadeId, password: g.password }, { actor: by.id, via: `csv import by ${by.username}`, at }, { in: q });
      }
      await audit(q, { tenant, at, actor: by.id, action: 'staff.imported', subject: `${good.length} accounts`, details: { after: { usernames: good.map((g) => g.username) }, by: by.username } });
    });
  }
  return {
    dryRun, count: good.length,
    accounts: good.map((g) => ({ line: g.line, username: g.username, displayName: g.displayName, roles: g.roles, brigadeId: g.brigadeId, ...(g.generated && !dryRun ? { password: g.password } : {}) })),
  };
}
