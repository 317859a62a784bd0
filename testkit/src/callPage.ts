/**
 * The media plugin's test call page (window.call.join/drop/firstFrame …, on the real client),
 * bundled for a browser once per process: the media plugin's browser test, the media benchmark
 * and the end-to-end specs put it in a page to join a case's room with a fake camera.
 */
import { fileURLToPath } from 'node:url';
import type { AppPlugin } from '@kuaichu/core/harness';

let bundled: Promise<string> | null = null;

export function callPageScript(): Promise<string> {
  bundled ??= import('esbuild').then(({ build }) => build({
    entryPoints: [fileURLToPath(import.meta.resolve('@kuaichu/plugin-media-mediasoup/test/call-page'))],
    bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome110', logLevel: 'silent',
  })).then((r) => r.outputFiles[0]!.text);
  return bundled;
}

/** The call page served by the app under test: `/media-test/` (the page) and `/media-test/page.js` (the bundle). */
export async function callPagePlugin(): Promise<AppPlugin> {
  const js = await callPageScript();
  return async (app) => {
    app.get('/media-test/', async (_q, r) => r.type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><body><script src="/media-test/page.js"></script></body>'));
    app.get('/media-test/page.js', async (_q, r) => r.type('text/javascript').send(js));
    app.get('/favicon.ico', async (_q, r) => r.status(204).send());
  };
}
