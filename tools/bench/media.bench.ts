/**
 * `npm run bench:media`: the media plugin's two figures. Prints them; asserts nothing.
 *
 * 1. Join time: headless Chromium (fake camera) through the real server, as in the end-to-end
 *    test: a case is answered, the seat's page is in the room, and the party taps "video" — the
 *    time from that tap (before getUserMedia) to the first decoded frame in the seat's <video>.
 *    Several calls, one after the other; recording on, as in production.
 * 2. Calls per worker: one mediasoup worker (one core), one router per call as in real rooms, and
 *    a Node RTP sender/receiver standing in for the browsers. Each 1:1 call is the party's video
 *    (VP8 packetisation, ~500 kbit/s, 15 fps, a key frame every 2 s) and voice (Opus-sized, 50
 *    packets/s), and the seat's voice, over SRTP (AES_CM_128_HMAC_SHA1_80: the worker decrypts
 *    and re-encrypts every packet, as for WebRTC), each stream forwarded to the other side. The
 *    number of calls rises until the loss measured at the receivers reaches 1 % or the worker's
 *    core is saturated. The load generator runs on the other core of this machine.
 *
 * 3. A 6-person room (issue 14): join time and video loss with six Chromium contexts in one
 *    Yancheng room (media/room6.ts), and 6-person rooms per worker (the same ramp as 2, each room
 *    six senders of video and voice, each stream received by the five others).
 *
 * The parts: media/joinTime.ts, media/room6.ts, media/callsPerWorker.ts (media/calls.ts, media/rtp.ts).
 *
 * BENCH_JOIN_CALLS (default 5; 0 skips), BENCH_LEVELS (default 10,25,50,75,100,125,150,200),
 * BENCH_SECONDS per level (default 5), BENCH_DEBUG=1 adds the worker's own packet counters,
 * BENCH_ROOM6 (6-person rooms in Chromium, default 2; 0 skips), BENCH_ROOM_LEVELS (6-person rooms
 * per worker, default 1,2,4,6,8,10,12,16).
 */
import { joinTime } from './media/joinTime.ts';
import { callsPerWorker } from './media/callsPerWorker.ts';
import { room6JoinTime } from './media/room6.ts';

const CHROMIUM = process.env.KUAICHU_TEST_CHROMIUM ?? '/usr/bin/chromium';
const JOIN_CALLS = Number(process.env.BENCH_JOIN_CALLS ?? 5);
const LEVELS = (process.env.BENCH_LEVELS ?? '10,25,50,75,100,125,150,200').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

const ROOM6 = Number(process.env.BENCH_ROOM6 ?? 2);
const ROOM_LEVELS = (process.env.BENCH_ROOM_LEVELS ?? '1,2,4,6,8,10,12,16').split(',').map(Number);

await joinTime(CHROMIUM, JOIN_CALLS);
await room6JoinTime(CHROMIUM, ROOM6, SECONDS);
await callsPerWorker(LEVELS, SECONDS);
await callsPerWorker(ROOM_LEVELS, SECONDS, 6);
