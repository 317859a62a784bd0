// A recording part whose server process died (SIGKILL, a crash, the host's OOM killer) stays in the
// scratch folder: its ffmpeg wrote a live, packet-flushed Matroska up to the moment the media
// stopped. Any process on the same host finds such parts (owner.json names a process that is gone),
// claims each by renaming its folder (atomic: one claimant wins), stops the orphaned ffmpeg and
// makes the stored WebM as a part ending normally would (whose each track is comes from the
// labels in the file's own header, written when the part started); the MediaService reports it to the core,
// so the call's recording keeps the part recorded before the node died (全程录像).
import { readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MediaLogger } from '../log.ts';
import { finishPart, OWNER_FILE, processStart, RAW_FILE, readOwner, type PartOwner, type RecordingResult } from './Recorder.ts';

export interface OrphanPart {
  owner: PartOwner;
  result: RecordingResult;
}

/** Whether the process that wrote `owner` still runs (the same pid started at the same time). */
export function ownerAlive(owner: Pick<PartOwner, 'pid' | 'pidStart'>): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(owner.pid);
  return owner.pidStart === null || start === null || start === owner.pidStart;
}

/** Finds the parts of dead processes in `dir`, finishes each, and hands it to `store` (which must dispose it). */
export async function recoverOrphanParts(dir: string, ffmpegPath: string, logger: MediaLogger, store: (p: OrphanPart) => Promise<void>): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let recovered = 0;
  for (const name of names) {
    if (!name.startsWith('part-') || name.includes('.recovering-')) continue;
    const folder = path.join(dir, name);
    const owner = await readOwner(folder);
    if (!owner || owner.pid === process.pid || ownerAlive(owner)) continue;
    const claimed = `${folder}.recovering-${process.pid}`;
    try {
      await rename(folder, claimed);
    } catch {
      continue; // another process took it first
    }
    const raw = path.join(claimed, RAW_FILE);
    await stopOrphanFfmpeg(owner.ffmpegPid, folder);
    // The capture ended when the last packet was written: the file's modification time.
    const endedAt = await stat(raw).then((s) => s.mtime, () => new Date());
    logger.warn(`[case:${owner.caseId.slice(0, 8)}] recording part ${owner.part} of a server process that is gone (pid ${owner.pid}): finishing it here`);
    const result = await finishPart({ ffmpegPath, dir: claimed, part: owner.part, startedAt: new Date(owner.startedAt), endedAt, logger });
    if (!result) continue;
    await store({ owner, result });
    recovered++;
  }
  return recovered;
}

/** The orphan's ffmpeg waits for packets that will never come: killed, if it is still the one writing `folder`. */
async function stopOrphanFfmpeg(pid: number | null, folder: string): Promise<void> {
  if (!pid) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes(path.join(folder, RAW_FILE))) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { OWNER_FILE };
