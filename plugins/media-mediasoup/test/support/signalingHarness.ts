// The app and a media worker for a test file's signalling tests (no browser, no port).
import { after, before } from 'node:test';
import { startTestCore, type TestCore } from '@kuaichu/testkit/core';
import { createMedia, type Media } from '../../src/index.ts';
import { TestSignaling } from './signalingClient.ts';

/**
 * The app on PGlite with one mediasoup worker (no recording), for a `describe` block: started
 * before its tests, closed after them with every socket it opened. `connect` opens a socket
 * that is killed at the end.
 */
export function signalingHarness(opts: { partyAbsenceSeconds?: number } = {}) {
  const sockets: TestSignaling[] = [];
  const h = {
    t: undefined as unknown as TestCore,
    media: undefined as unknown as Media,
    async connect(caseId: string, token?: string, headers?: Record<string, string>) {
      const s = await TestSignaling.connect(h.t.core.app, caseId, token, headers);
      sockets.push(s);
      return s;
    },
  };
  before(async () => {
    h.media = createMedia({ workers: 1, recording: { enabled: false }, ...opts, validateOutgoing: true, transport: { listenIp: '127.0.0.1' }, logger: { debug() {}, info() {}, warn() {}, error: (m) => console.error(m) } });
    h.t = await startTestCore({ kind: 'pglite' }, undefined, { media: h.media.plugin });
  });
  after(async () => {
    for (const s of sockets) s.kill();
    await h.t?.close();
  });
  return h;
}
