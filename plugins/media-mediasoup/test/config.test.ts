// Small pure parts: options from the environment, the recorder's SDP, the role model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaOptionsFromEnv, type MediaPluginOptions } from '../src/index.ts';
import { recordingSdp } from '../src/recording/sdp.ts';
import { ROLE_RULES, canProduce } from '../src/roles.ts';

test('options from the environment fit the plugin', () => {
  const o = mediaOptionsFromEnv({ KUAICHU_MEDIA_LISTEN_IP: '0.0.0.0', KUAICHU_MEDIA_ANNOUNCED_ADDRESS: '203.0.113.7', KUAICHU_MEDIA_RTC_PORTS: '40000-40999', KUAICHU_MEDIA_WORKERS: '3', KUAICHU_MEDIA_RECORDING: '0' });
  const asPlugin: MediaPluginOptions = o;
  assert.deepEqual(asPlugin, {
    workers: 3, workerSettings: { rtcMinPort: 40000, rtcMaxPort: 40999 },
    transport: { listenIp: '0.0.0.0', announcedAddress: '203.0.113.7' }, recording: { enabled: false, dir: o.recording.dir },
  });
  const d = mediaOptionsFromEnv({});
  assert.equal(d.recording.enabled, true);
  assert.ok(d.transport.listenIp);
});

test('the recorder tells ffmpeg which stream arrives on which port', () => {
  const sdp = recordingSdp([
    { kind: 'video', port: 50000, codec: { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 } },
    { kind: 'audio', port: 50002, codec: { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } } },
  ]);
  assert.match(sdp, /m=video 50000 RTP\/AVP 101\r\na=rtcp:50001\r\na=rtpmap:101 VP8\/90000\r\n/);
  assert.match(sdp, /m=audio 50002 RTP\/AVP 100\r\na=rtcp:50003\r\na=rtpmap:100 opus\/48000\/2\r\na=fmtp:100 useinbandfec=1\r\n/);
});

// Who joins a case room as what is core's decision: core/test/mediaRooms.test.ts.
test('roles: what each may send', () => {
  assert.equal(canProduce('party_a', 'camera'), true);
  assert.equal(canProduce('officer', 'microphone'), true);
  assert.deepEqual(Object.entries(ROLE_RULES).filter(([, r]) => r.drivesCase).map(([k]) => k), ['party_a'], 'only the reporting party drops the call');
});

test("the recording scratch folder is one per deployment: a host's processes on one database share it, another deployment's never", () => {
  const dir = (env: Record<string, string>) => mediaOptionsFromEnv(env).recording.dir!;
  const a = dir({ DATABASE_URL: 'postgres://kuaichu_app:secret@db.internal:5432/kuaichu' });
  assert.equal(dir({ DATABASE_URL: 'postgres://kuaichu_app:other-password@db.internal/kuaichu' }), a, 'same database (default port, other credentials): same folder');
  assert.notEqual(dir({ DATABASE_URL: 'postgres://kuaichu_app:secret@db.internal:5432/kuaichu_staging' }), a, 'another database');
  assert.notEqual(dir({ KUAICHU_DATA_DIR: '/srv/kuaichu-a' }), dir({ KUAICHU_DATA_DIR: '/srv/kuaichu-b' }), 'two PGlite servers');
  assert.doesNotMatch(a, /secret|kuaichu_app|db\.internal/, 'no part of the address in the name');
  assert.equal(dir({ DATABASE_URL: 'postgres://x@y/z', KUAICHU_MEDIA_RECORDING_DIR: '/var/lib/kuaichu/recordings' }), '/var/lib/kuaichu/recordings');
});
