// Issue 16, the short version of the media signalling proof (the long one: `npm run proof:signaling`):
// malformed and hostile frames from the party and the seat on a live call's media socket, with a
// real mediasoup worker. Every request answered (ok, or an error with a KC_* code) or its socket
// closed with a designed code; 0 crashes; a well-behaved client and the HTTP API served afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signalingFuzz } from './signaling.ts';

test('media signalling: 150 hostile frames from the party and the seat — every request answered or its socket closed with a designed code, 0 crashes, still serving', async (t) => {
  const f = await signalingFuzz({ runs: 150, seed: 16 });
  t.diagnostic(`${f.messages} messages on ${f.sockets} sockets: ${f.answered} answered ok, ${f.errors} error answers, ${f.closedCleanly} sockets closed by the server`);
  assert.deepEqual(f.failures, []);
  assert.equal(f.messages, 150);
  assert.ok(f.errors > 0, 'the hostile requests were refused with error answers');
});
