// Issue 15, "a node dies mid-call … the recording keeps both parts": a recording part whose server
// process died is found by another process on the host, its orphaned ffmpeg stopped, and the part
// finished and reported to the core like any other — once, even with two processes looking.
// Real ffmpeg writes the live Matroska (as the Recorder does) and is left running, orphaned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MediaRecordingTrack, MediaReports } from '@kuaichu/core/ports';
import { MediaService } from '../src/MediaService.ts';
import { OWNER_FILE, processStart, type PartOwner } from '../src/recording/Recorder.ts';
import { ownerAlive } from '../src/recording/recovery.ts';
import { FINAL_CLOSE_CODES, rejoinable, rejoinDelay } from '../src/client/rejoin.ts';
import { SignalingError } from '../src/client/signaling.ts';
import { eventually } from './support/signalingClient.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const quiet = { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) };

/** A process that has exited: its pid names nobody (the owner of an orphaned part). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

test('a recording part of a server process that died is finished and stored once by a surviving process', { skip: !existsSync(FFMPEG) && 'ffmpeg is not installed' }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-orphans-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const part = path.join(dir, 'part-orphan');
  mkdirSync(part);
  const raw = path.join(part, 'raw.mkv');
  // What the dead process's ffmpeg was doing: live Matroska, flushed per packet, VP8 + two Opus voices,
  // each track labelled with whose it is as the Recorder does, still running (a slow real-time
  // source) when its parent is gone.
  const ffmpeg = spawn(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440', '-f', 'lavfi', '-i', 'sine=frequency=660',
    '-map', '0:v', '-map', '1:a', '-map', '2:a',
    ...[['party_a', 'pa'], ['party_a', 'pa'], ['seat', 'ps']].flatMap(([role, peer], i) => [`-metadata:s:${i}`, `title=${role}`, `-metadata:s:${i}`, `ROLE=${role}`, `-metadata:s:${i}`, `PEER=${peer}`]),
    '-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '300k', '-c:a', 'libopus',
    '-f', 'matroska', '-live', '1', '-flush_packets', '1', raw,
  ], { stdio: 'ignore' });
  t.after(() => ffmpeg.kill('SIGKILL'));
  await eventually(() => existsSync(raw) && statSync(raw).size > 20_000, 'the orphan ffmpeg writing');
  const startedAt = new Date(Date.now() - 2000).toISOString();
  const owner: PartOwner = { tenant: 'harbin', caseId: '11111111-2222-4333-8444-555555555555', part: 1, pid: deadPid(), pidStart: null, ffmpegPid: ffmpeg.pid!, startedAt, tracks: ['video:party_a', 'audio:party_a', 'audio:seat'] };
  writeFileSync(path.join(part, OWNER_FILE), JSON.stringify(owner));
  // A part of a process that lives (this one) is never taken.
  const mine = path.join(dir, 'part-mine');
  mkdirSync(mine);
  writeFileSync(path.join(mine, OWNER_FILE), JSON.stringify({ ...owner, pid: process.pid, pidStart: processStart(process.pid), ffmpegPid: null }));

  const stored: Array<{ tenant: string; caseId: string; tracks: MediaRecordingTrack[]; mediaSeconds: number | null; size: number; startedAt: string }> = [];
  const reports = (): MediaReports => ({
    async participantLost() {}, async participantReturned() {}, async callEnded() {},
    async recordingStored(r) {
      stored.push({ ...r.room, tracks: r.tracks, mediaSeconds: r.mediaSeconds, size: statSync(r.file.path).size, startedAt: r.startedAt });
      return { evidenceId: `e${stored.length}`, seq: stored.length, part: stored.length, sha256: 'x', size: 1 };
    },
    async frameCaptured() {
      throw new Error('not here');
    },
  });
  // Two surviving processes look at once (here: two services of one process, each claiming by rename).
  const settings = { dir, ffmpeg: FFMPEG };
  const a = await MediaService.create({ reports: reports(), workers: 1, recording: settings, orphanScanMs: 200, logger: quiet });
  const b = await MediaService.create({ reports: reports(), workers: 1, recording: settings, orphanScanMs: 200, logger: quiet });
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await eventually(() => stored.length >= 1, 'the orphaned part stored');
  await a.scanOrphans();
  await b.scanOrphans();
  await a.settled();
  await b.settled();
  assert.equal(stored.length, 1, 'stored exactly once');
  const [rec] = stored;
  assert.equal(rec!.tenant, 'harbin');
  assert.equal(rec!.caseId, owner.caseId);
  assert.equal(rec!.startedAt, startedAt);
  // Whose each track is comes from the file's own labels: the part recovered keeps them.
  assert.deepEqual(rec!.tracks.map((x) => [x.index, x.kind, x.label, x.role, x.peerId, x.default]), [
    [0, 'video', 'party_a', 'party_a', 'pa', true],
    [1, 'audio', 'mix', null, null, true],
    [2, 'audio', 'party_a', 'party_a', 'pa', false],
    [3, 'audio', 'seat', 'seat', 'ps', false],
  ]);
  assert.ok((rec!.mediaSeconds ?? 0) > 0.5, `media seconds ${rec!.mediaSeconds}`);
  assert.ok(rec!.size > 10_000);
  // The orphaned ffmpeg was stopped; the folder is gone; the living process's part is untouched.
  await eventually(() => ffmpeg.exitCode !== null || ffmpeg.signalCode !== null, 'the orphan ffmpeg stopped');
  assert.deepEqual(readdirSync(dir), ['part-mine']);
});

test('the owner of a part is alive while its process runs, not after', () => {
  assert.equal(ownerAlive({ pid: process.pid, pidStart: processStart(process.pid) }), true);
  assert.equal(ownerAlive({ pid: deadPid(), pidStart: null }), false);
  // The same pid started at another time is another process (a pid reused after the owner died).
  assert.equal(ownerAlive({ pid: process.pid, pidStart: '1' }), false);
});

test('clients rejoin after a drop or a restart, not after the server said why it closed', () => {
  for (const code of [1006, 1011, 1012, 1001]) assert.equal(rejoinable(code), true, String(code));
  for (const code of FINAL_CLOSE_CODES) assert.equal(rejoinable(code), false, String(code));
  assert.equal(rejoinable(new SignalingError('WS_1006', 'closed')), true);
  assert.equal(rejoinable(new SignalingError('WS_4409', 'no call')), false);
  assert.equal(rejoinable(new SignalingError('KC_FORBIDDEN', 'no')), false);
  assert.equal(rejoinable(new Error('no camera')), false);
  const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => rejoinDelay(n, () => 0.5));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
  assert.ok(rejoinDelay(0, () => 0) >= 400 && rejoinDelay(0, () => 1) <= 600);
});
