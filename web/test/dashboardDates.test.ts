// The dashboard's period: typed dates in the zh-CN form (年-月-日) whatever the browser's language,
// bounded by the server's today (not the browser's), with a reason for every refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, checkPeriod, isoDay, lastDays, parseDay } from '../src/dashboard/dates.ts';

test('a typed day: 年-月-日 and its usual spellings, calendar days only', () => {
  for (const text of ['2026-11-23', '2026/11/23', '2026.11.23', '2026年11月23日', ' 2026-11-23 ']) assert.equal(parseDay(text), '2026-11-23', text);
  assert.equal(parseDay('2026-3-5'), '2026-03-05');
  assert.equal(parseDay('2028-02-29'), '2028-02-29', 'a leap day');
  for (const text of ['11/23/2026', '23.11.2026', '2026-02-30', '2027-02-29', '2026-13-01', '2026-00-10', '', 'today', '2026-11-23T00:00']) assert.equal(parseDay(text), null, text);
});

test('calendar arithmetic across months, years and leap days', () => {
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
  assert.equal(addDays('2028-03-01', -1), '2028-02-29');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.deepEqual(lastDays('2026-12-04'), { from: '2026-11-05', to: '2026-12-04' });
  assert.deepEqual(lastDays('2030-01-01', 1), { from: '2030-01-01', to: '2030-01-01' });
});

test("today in the city's zone: the server's instant, read in Asia/Shanghai (not the browser's zone)", () => {
  assert.equal(isoDay(new Date('2026-11-23T16:30:00Z'), 'Asia/Shanghai'), '2026-11-24');
  assert.equal(isoDay(new Date('2026-11-23T15:59:59Z'), 'Asia/Shanghai'), '2026-11-23');
});

test('the period: bounded by the server’s today, in order, each refusal with its field', () => {
  // A server clock years away from the wall date: only its today bounds the period.
  for (const today of ['2024-02-29', '2026-12-04', '2030-06-15']) {
    assert.deepEqual(checkPeriod(addDays(today, -6), today, today), { from: addDays(today, -6), to: today });
    assert.deepEqual(checkPeriod(today, addDays(today, 1), today), { key: 'dash.date.future', field: 'to', today });
    assert.deepEqual(checkPeriod(addDays(today, 1), addDays(today, 1), today), { key: 'dash.date.future', field: 'from', today });
  }
  assert.deepEqual(checkPeriod('2026/11/20', '2026年11月22日', '2026-12-04'), { from: '2026-11-20', to: '2026-11-22' });
  assert.deepEqual(checkPeriod('11/20/2026', '2026-11-22', '2026-12-04'), { key: 'dash.date.invalid', field: 'from' });
  assert.deepEqual(checkPeriod('2026-11-20', '2026-11-31', '2026-12-04'), { key: 'dash.date.invalid', field: 'to' });
  assert.deepEqual(checkPeriod('2026-11-22', '2026-11-20', '2026-12-04'), { key: 'dash.date.order' });
});
