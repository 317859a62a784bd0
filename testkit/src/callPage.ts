/**
 * The media plugin's test call page (window.call.join/drop/firstFrame …, on the real client),
 * bundled for a browser once per process: the media plugin's browser test, the media benchmark
 * and the end-to-end specs put it in a page to join a case's room with a fake camera.
 */
import { fileURLToPath } from 'node:url';

let bundled: Promise<string> | null = null;

export function callPageScript(): Promise<string> {
  bundled ??= import('esbuild').then(({ build }) => build({
    entryPoints: [fileURLToPath(import.meta.resolve('@kuaichu/plugin-media-mediasoup/test/call-page'))],
    bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome110', logLevel: 'silent',
  })).then((r) => r.outputFiles[0]!.text);
  return bundled;
}
