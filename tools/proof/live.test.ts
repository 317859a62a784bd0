// Issue 16, the short version of the live-push socket proof (the long one: `npm run proof:live`):
// hostile handshakes and frames on /api/live. 0 crashes, only the designed close codes, still
// pushing afterwards. (The media signalling socket's short proof: signaling.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveFuzz } from './live.ts';

test('/api/live: 40 hostile handshakes and 40 hostile frames (plus a burst and an oversized one) — 0 crashes, 0 unexpected closes, still pushing', async (t) => {
  const f = await liveFuzz({ runs: 40, seed: 16 });
  t.diagnostic(`${f.handshakes} handshakes, ${f.frames} frames, sockets ended ${JSON.stringify(f.byClose)}`);
  assert.deepEqual(f.failures, []);
  assert.equal(f.handshakes, 40);
});

