/**
 * `kuaichu recognize plate FILE` / `kuaichu recognize licence FILE`: the ocr-paddle plugin on
 * one image, the reading as JSON on stdout (plus the model load and read times on stderr).
 * Exit 0 found, 3 nothing found, 1 bad input. The plugin (and onnxruntime) is imported only
 * when this command runs, so the other commands start without it.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Io } from '../io.ts';
import { number, parseFlags, UsageError } from '../args.ts';

const WHAT = ['plate', 'licence'] as const;
const TENANT = 'cli';

export async function recognizeCommand(args: string[], io: Io): Promise<number> {
  const { values: f, positionals } = parseFlags(args, { threads: { type: 'string' }, 'max-side': { type: 'string' } }, true);
  const [what, file, ...extra] = positionals;
  if (!what || !file || extra.length) throw new UsageError('usage: recognize plate|licence FILE [--threads N] [--max-side PX]');
  if (!(WHAT as readonly string[]).includes(what)) throw new UsageError(`recognize what? plate or licence, not "${what}"`);
  const kind = what as (typeof WHAT)[number];
  let image: Buffer;
  try {
    if (!statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
    image = readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const threads = number('threads', f.threads);
  const maxSide = number('max-side', f['max-side']);
  const { createOcrPaddle, engineLoadMs, ImageInputError } = await import('@kuaichu/plugin-recognition-paddle');
  const ocr = createOcrPaddle(
    { ...(threads !== undefined ? { threads } : {}), ...(maxSide !== undefined ? { maxSide } : {}) },
    { tenant: TENANT, env: process.env, log: { info: () => {}, warn: (o) => io.err(JSON.stringify(o)) } },
  );
  const started = performance.now();
  try {
    const q = { tenant: TENANT, image, contentType: '' };
    const result = kind === 'plate' ? await ocr.readPlate(q) : await ocr.readLicence(q);
    const found = 'plate' in result ? result.plate !== null : Object.keys(result.fields).length > 0;
    // Boxes stay on one line each: [[x,y],…].
    io.out(JSON.stringify(result, null, 2).replace(/\[\s+(\d+),\s+(\d+)\s+\]/g, '[$1, $2]').replace(/\[\s+(\[[^\]]*\](?:,\s+\[[^\]]*\])*)\s+\]/g, (_m, inner: string) => `[${inner.replace(/\s+/g, ' ')}]`));
    const load = engineLoadMs() ?? 0;
    io.err(`model load ${Math.round(load)} ms, read ${Math.round(performance.now() - started - load)} ms${found ? '' : `: no ${kind} found`}`);
    return found ? 0 : 3;
  } catch (e) {
    if (e instanceof ImageInputError) throw new UsageError(`${file}: ${e.message.replace(/^ocr-paddle: /, '')}`);
    throw e;
  }
}
