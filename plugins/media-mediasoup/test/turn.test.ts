// TURN credentials (turn.ts): the TURN REST API scheme coturn's use-auth-secret checks, and the
// environment that turns it on. The HMAC is checked against openssl's, an independent implementation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mediaOptionsFromEnv } from '../src/index.ts';
import { parseDurationSeconds, turnIceServer, turnSettingsFromEnv } from '../src/turn.ts';

test('a participant gets "<expiry>:<participant>" and base64(HMAC-SHA1(secret, username))', () => {
  const secret = randomBytes(24).toString('hex');
  const now = Date.now();
  const s = turnIceServer({ secret, urls: ['turn:127.0.0.1:3478?transport=udp'], ttlSeconds: 600, policy: 'all' }, 'party_a-abc', now);
  const [expiry, who] = s.username.split(':');
  assert.equal(Number(expiry), Math.floor(now / 1000) + 600);
  assert.equal(who, 'party_a-abc');
  const openssl = spawnSync('openssl', ['dgst', '-sha1', '-hmac', secret, '-binary'], { input: s.username });
  assert.equal(openssl.status, 0);
  assert.equal(s.credential, openssl.stdout.toString('base64'));
  assert.deepEqual(s.urls, ['turn:127.0.0.1:3478?transport=udp']);
  assert.throws(() => turnIceServer({ secret, urls: [], ttlSeconds: 1, policy: 'all' }, 'a:b'));
});

test('TURN from the environment: both variables or none; the lifetime as a duration', () => {
  assert.equal(turnSettingsFromEnv({}), undefined);
  assert.deepEqual(turnSettingsFromEnv({ KUAICHU_TURN_SECRET: 'x', KUAICHU_TURN_URLS: 'turn:a:3478?transport=udp, turns:a:5349?transport=tcp' }),
    { secret: 'x', urls: ['turn:a:3478?transport=udp', 'turns:a:5349?transport=tcp'], ttlSeconds: 3600, policy: 'all' });
  assert.equal(turnSettingsFromEnv({ KUAICHU_TURN_SECRET: 'x', KUAICHU_TURN_URLS: 'turn:a', KUAICHU_TURN_POLICY: 'relay' })?.policy, 'relay');
  assert.throws(() => turnSettingsFromEnv({ KUAICHU_TURN_SECRET: 'x', KUAICHU_TURN_URLS: 'turn:a', KUAICHU_TURN_POLICY: 'tcp' }), /KUAICHU_TURN_POLICY must be "all".*"relay".*not "tcp"/);
  assert.throws(() => turnSettingsFromEnv({ KUAICHU_TURN_POLICY: 'relay' }), /KUAICHU_TURN_POLICY is set but there is no TURN server/);
  assert.equal(turnSettingsFromEnv({ KUAICHU_TURN_SECRET: 'x', KUAICHU_TURN_URLS: 'turn:a', KUAICHU_TURN_TTL: '90m' })?.ttlSeconds, 5400);
  assert.throws(() => turnSettingsFromEnv({ KUAICHU_TURN_SECRET: 'x' }), /KUAICHU_TURN_URLS/);
  assert.throws(() => turnSettingsFromEnv({ KUAICHU_TURN_URLS: 'turn:a' }), /KUAICHU_TURN_SECRET/);
  assert.throws(() => turnSettingsFromEnv({ KUAICHU_TURN_SECRET: 'x', KUAICHU_TURN_URLS: 'stun:a' }), /not a turn/);
  assert.throws(() => turnSettingsFromEnv({ KUAICHU_TURN_SECRET: 'x', KUAICHU_TURN_URLS: 'turn:a', KUAICHU_TURN_TTL: 'soon' }), /KUAICHU_TURN_TTL/);
  assert.equal(parseDurationSeconds('1h30m'), 5400);
  assert.equal(parseDurationSeconds('3600'), 3600);
  assert.equal(mediaOptionsFromEnv({ KUAICHU_MEDIA_LISTEN_IP: '127.0.0.1', KUAICHU_TURN_SECRET: 'x', KUAICHU_TURN_URLS: 'turn:a' }).transport.turn?.urls[0], 'turn:a');
});
