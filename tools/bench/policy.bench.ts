/**
 * `npm run bench:policy`: decisions per second and latency percentiles of `evaluate` over
 * random reports in each city (points across the whole boundary file, times across the
 * week, every accident type). Prints figures; asserts nothing (tests prove behaviour).
 */
import { loadCities } from '@kuaichu/core/profile';
import { evaluate, type CompiledCity } from '@kuaichu/core/policy';
import type { AccidentReport } from '@kuaichu/core/generated/types.ts';
import type { Clock } from '@kuaichu/core/clock';

const N = Number(process.env.BENCH_N ?? 200_000);
const KINDS = ['motor_motor', 'motor_non_motor', 'single_vehicle'] as const;
const INJURIES = ['none', 'none', 'none', 'minor', 'serious'] as const;

let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

function workload(city: CompiledCity): { reports: AccidentReport[]; clocks: Clock[] } {
  // Points over the bounding box of every district in the file: most land in some district, some in none.
  const boxes = city.districts.names().map((n) => city.districts.bbox(n));
  const [minX, minY, maxX, maxY] = boxes.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
  const reports: AccidentReport[] = [];
  const clocks: Clock[] = [];
  const week = Date.parse('2026-06-01T00:00:00+08:00');
  for (let i = 0; i < N; i++) {
    reports.push({
      location: { lng: minX + rnd() * (maxX - minX), lat: minY + rnd() * (maxY - minY) },
      kind: pick(KINDS),
      injury: pick(INJURIES),
      insured: rnd() < 0.95 ? 'all' : 'none',
      movable: rnd() < 0.97,
    });
    const t = new Date(week + Math.floor(rnd() * 7 * 24 * 60) * 60_000);
    clocks.push({ now: () => t });
  }
  return { reports, clocks };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const { cities, rejected } = loadCities();
if (rejected.length) throw new Error(`rejected profiles: ${rejected.map((r) => r.file).join(', ')}`);
console.log(`bench:policy — ${N.toLocaleString('en')} random reports per city, Node ${process.version}`);
console.log('city       decisions/s   p50 µs   p99 µs   max µs   eligible');
for (const city of cities) {
  const { reports, clocks } = workload(city);
  for (let i = 0; i < 20_000; i++) evaluate(city, reports[i % N]!, clocks[i % N]!); // warm up the JIT
  const lat = new Float64Array(N);
  let eligible = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const s = process.hrtime.bigint();
    if (evaluate(city, reports[i]!, clocks[i]!).eligible) eligible++;
    lat[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort();
  console.log(
    `${city.tenant.padEnd(10)} ${Math.round(N / seconds).toLocaleString('en').padStart(11)} ${percentile(lat, 50).toFixed(1).padStart(8)} ${percentile(lat, 99).toFixed(1).padStart(8)} ${lat[N - 1]!.toFixed(0).padStart(8)}   ${((eligible / N) * 100).toFixed(1)}%`,
  );
}
console.log('target: p99 < 1000 µs per decision');
