/** `kuaichu recognize`: a rendered plate photo → JSON and exit 0; no plate → 3; bad input → 1 with the reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { renderPlatePhoto, seeded } from '@kuaichu/plugin-recognition-paddle/render';
import { main } from '../src/cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-recognize-'));

async function run(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await main(['recognize', ...argv], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('recognize plate: the plate as JSON, exit 0', async () => {
  const file = path.join(dir, 'plate.jpg');
  writeFileSync(file, await renderPlatePhoto('苏EA12B3', 'blue', seeded(5), { perspective: 0.05, blur: 0.5, noise: 5, quality: 85 }));
  const r = await run('plate', file);
  assert.equal(r.code, 0, r.err);
  const reading = JSON.parse(r.out) as { plate: string; kind: string; box: unknown[] };
  assert.equal(reading.plate, '苏EA12B3');
  assert.equal(reading.kind, 'blue');
  assert.equal(reading.box.length, 4);
});

test('recognize: nothing found is exit 3; a non-image, a missing file or a wrong word is exit 1', async () => {
  const blank = path.join(dir, 'blank.png');
  writeFileSync(blank, await sharp({ create: { width: 300, height: 200, channels: 3, background: '#556' } }).png().toBuffer());
  assert.equal((await run('plate', blank)).code, 3);
  assert.equal((await run('licence', blank)).code, 3);
  const text = path.join(dir, 'notes.jpg');
  writeFileSync(text, 'not an image');
  const bad = await run('plate', text);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /not an image/);
  assert.match((await run('plate', path.join(dir, 'missing.jpg'))).err, /cannot read .*ENOENT/);
  assert.match((await run('photo', blank)).err, /plate or licence/);
});
