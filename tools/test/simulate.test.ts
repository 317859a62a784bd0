/**
 * `kuaichu simulate --days 1`: a Kunming day through the real API and event path, with the
 * server started in-process on a temp folder. What the analysts' API reports afterwards must
 * equal the simulator's own count of what it did — reports, answers, abandonments, escalations,
 * service level, handling time — so the whole path (intake → outbox → relay → bus → ClickHouse
 * sink → metric query → HTTP) loses and invents nothing. Short patience (20 s on average,
 * while a seat takes ~5 s to pick up) makes some parties give up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli.ts';
import type { SimulateResult } from '../src/simulate/index.ts';

test('kuaichu simulate --city kunming --days 1: the analytics API counts what the simulator did', async () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'kuaichu-simtest-')), 'data');
  try {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([
      'simulate', '--city', 'kunming', '--days', '1', '--end', '2026-06-02T00:00:00+08:00', '--seats', '1',
      '--patience', 'exp:20s', '--seed', '3', '--data-dir', dir, '--json',
    ], { out: (s) => out.push(s), err: (s) => err.push(s) });
    assert.equal(code, 0, err.join('\n'));
    const r = JSON.parse(out.join('\n')) as Omit<SimulateResult, 'waits'>;
    const c = r.counts;
    assert.equal(r.start, '2026-05-31T16:00:00.000Z');
    assert.ok(c.reports >= 15, `a Kunming day at the default 2 an hour at peak: ${c.reports} reports`);
    assert.ok(c.answered > 0 && c.abandoned > 0 && c.served > 0, JSON.stringify(c));
    assert.equal(c.reports, c.eligible + c.refused);

    const m = r.analytics!.total;
    assert.deepEqual(
      { reports: m.reports, eligible: m.eligible, refused: m.refused, answered: m.answered, abandoned: m.abandoned, escalated: m.escalated, evacuated: m.evacuated, served: m.served, claims: m.claims, reviews: m.reviews },
      { reports: c.reports, eligible: c.eligible, refused: c.refused, answered: c.answered, abandoned: c.abandoned, escalated: c.escalated, evacuated: c.evacuated, served: c.served, claims: c.claims, reviews: c.reviews },
    );
    assert.equal(m.serviceLevel, r.serviceLevel, 'answered within 30 s / (answered + abandoned)');
    assert.ok(Math.abs(m.handlingTime.mean! - r.ahtSeconds!) < 0.002, `AHT ${m.handlingTime.mean} vs ${r.ahtSeconds}`);
    assert.ok(Math.abs(m.speedOfAnswer.mean! - r.asaSeconds!) < 0.002, `ASA ${m.speedOfAnswer.mean} vs ${r.asaSeconds}`);
    assert.ok(r.ahtSeconds! > 120 && r.ahtSeconds! < 600, `Kunming handles in ~5 minutes: ${r.ahtSeconds} s`);

    // The data stays for `npm start` (and the dashboards) on that folder; a second run there is refused.
    assert.ok(existsSync(path.join(dir, 'pg')) && existsSync(path.join(dir, 'analytics')));
    const again = await main(['simulate', '--city', 'kunming', '--data-dir', dir], { out: () => {}, err: (s) => err.push(s) });
    assert.equal(again, 1);
    assert.match(err.join('\n'), /already holds a simulation/);
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('kuaichu simulate: bad input is a usage error', async () => {
  const err: string[] = [];
  const run = (...a: string[]) => main(['simulate', ...a], { out: () => {}, err: (s) => err.push(s) });
  assert.equal(await run('--city', 'atlantis'), 1);
  assert.match(err.join('\n'), /no city "atlantis"/);
  assert.equal(await run('--city', 'kunming', '--aht', 'soon'), 1);
  assert.match(err.join('\n'), /--aht: not a duration/);
  assert.equal(await run('--days', '1'), 1);
  assert.match(err.join('\n'), /--city is required/);
});
