/**
 * `npm run bench:ocr`: exact-plate accuracy and time per image of the ocr-paddle plugin on
 * plate photos rendered here (seeded: the same plates each run): half blue 7-character, half
 * green 8-character plates, random but grammatical, in Noto Sans CJK, seen at an angle,
 * blurred, noised and JPEG-compressed. Rendering is done before timing starts; the time per
 * image is the plugin's whole readPlate (decode, detect, recognise, validate).
 * BENCH_N (default 200), BENCH_SEED (default 2026), BENCH_THREADS (onnxruntime threads, 0 = its default).
 */
import { createOcrPaddle, engine, engineLoadMs, type PlateKind } from '@kuaichu/plugin-recognition-paddle';
import { randomDistortion, randomPlate, renderPlatePhoto, seeded } from '@kuaichu/plugin-recognition-paddle/render';

const N = Number(process.env.BENCH_N ?? 200);
const SEED = Number(process.env.BENCH_SEED ?? 2026);
const THREADS = Number(process.env.BENCH_THREADS ?? 0);

const rng = seeded(SEED);
const cases: Array<{ plate: string; kind: PlateKind; image: Buffer; blur: number; noise: number }> = [];
const renderStart = performance.now();
for (let i = 0; i < N; i++) {
  const kind: PlateKind = i % 2 === 0 ? 'blue' : 'green';
  const plate = randomPlate(rng, kind);
  const d = randomDistortion(rng);
  cases.push({ plate, kind, image: await renderPlatePhoto(plate, kind, rng, d), blur: d.blur, noise: d.noise });
}
console.log(`rendered ${N} plate photos in ${((performance.now() - renderStart) / 1000).toFixed(1)} s (seed ${SEED})`);

await engine(THREADS);
console.log(`model load ${Math.round(engineLoadMs() ?? 0)} ms (threads: ${THREADS || 'onnxruntime default'})`);
const ocr = createOcrPaddle({ threads: THREADS }, { tenant: 'bench', env: {}, log: { info: () => {}, warn: () => {} } });
// One warm-up read (first inference allocates), not counted.
await ocr.readPlate({ tenant: 'bench', image: cases[0]!.image, contentType: 'image/jpeg' });

const times: number[] = [];
const misses: string[] = [];
const byKind = { blue: { n: 0, ok: 0 }, green: { n: 0, ok: 0 } };
for (const c of cases) {
  const t = performance.now();
  const r = await ocr.readPlate({ tenant: 'bench', image: c.image, contentType: 'image/jpeg' });
  times.push(performance.now() - t);
  byKind[c.kind].n++;
  if (r.plate === c.plate) byKind[c.kind].ok++;
  else misses.push(`${c.plate} → ${r.plate ?? '(none)'} [${r.text ?? ''}] blur ${c.blur.toFixed(1)} noise ${c.noise.toFixed(0)}`);
}

const sorted = [...times].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const ok = byKind.blue.ok + byKind.green.ok;
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
console.log(`exact plates: ${ok}/${N} = ${pct(ok, N)} (blue ${pct(byKind.blue.ok, byKind.blue.n)}, green ${pct(byKind.green.ok, byKind.green.n)})`);
console.log(`ms per image: mean ${(times.reduce((a, b) => a + b, 0) / N).toFixed(0)}, p50 ${q(0.5).toFixed(0)}, p90 ${q(0.9).toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}`);
if (misses.length) console.log(`misses:\n  ${misses.join('\n  ')}`);
