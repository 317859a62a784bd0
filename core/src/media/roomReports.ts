/**
 * Core's answers to what a media room reports, through the case services: the reporting party
 * lost → the call drops (call.dropped) while the case is in a call; a recording part or a still
 * from the video → an evidence item created by `system`. The plugin only reports; it never
 * writes the case.
 */
import { readFile } from 'node:fs/promises';
import type { CoreContext } from '../context.ts';
import { getCase } from '../cases/repository.ts';
import { dropCall } from '../cases/queue.ts';
import { addEvidence, listEvidence } from '../cases/evidence.ts';
import { addEvidenceFile } from '../cases/evidenceUpload.ts';
import { ROLE_RULES, type MediaReports } from '../ports/media.ts';
import { IN_CALL } from './admission.ts';

export interface ReportLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export function roomReports(ctx: CoreContext, log: ReportLog): MediaReports {
  return {
    async participantLost({ room: { tenant, caseId }, participant, reason }) {
      if (!ROLE_RULES[participant.role].drivesCase) return;
      const c = await getCase(ctx.db, tenant, caseId);
      if (!IN_CALL.includes(c.state)) return;
      await dropCall(ctx, tenant, caseId, 'system');
      log.info({ tenant, caseId, reason }, 'call dropped: the party was lost');
    },
    // A return goes through the queue (继续处理, then answered again): nothing to do here yet.
    async participantReturned() {},
    // The room closes because the case moved on (or the server stops): the case already knows.
    async callEnded() {},
    async recordingStored(r) {
      const { tenant, caseId } = r.room;
      const stored = await ctx.files.put(new Uint8Array(await readFile(r.file.path)), r.file.contentType);
      // Parts are numbered as they are stored: a part restarted before it recorded anything leaves no gap.
      const part = (await listEvidence(ctx.db, tenant, caseId)).filter((e) => e.item === 'recording').length + 1;
      const data = { part, startedAt: r.startedAt, endedAt: r.endedAt, durationSeconds: r.durationSeconds, mediaSeconds: r.mediaSeconds, tracks: r.tracks };
      const row = await addEvidence(ctx, tenant, caseId, 'system', { item: 'recording', file: stored, data });
      return { evidenceId: row.id, seq: row.seq, part, sha256: stored.sha256, size: stored.size };
    },
    async frameCaptured(f) {
      // Checked and stored as an upload is (type by content; a refused item leaves no file behind).
      const filename = `frame-${f.participant.role}-${f.capturedAt}`;
      const { row, stored } = await addEvidenceFile(ctx, f.room.tenant, f.room.caseId, 'system', { item: f.item, bytes: f.image, filename });
      return { evidenceId: row.id, sha256: stored.sha256 };
    },
  };
}
