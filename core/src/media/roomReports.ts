/**
 * Core's answers to what a media room reports, through the case services: the reporting party
 * lost → the call drops (call.dropped) while the case is in a call; a recording part or a still
 * from the video → an evidence item created by `system`. The plugin only reports; it never
 * writes the case.
 */
import { readFile } from 'node:fs/promises';
import { tenantDb, type CoreContext } from '../context.ts';
import { getCase } from '../cases/repository.ts';
import { dropCall } from '../cases/queue.ts';
import { addEvidence, listEvidence } from '../cases/evidence.ts';
import { addEvidenceFile } from '../cases/evidenceUpload.ts';
import { ROLE_RULES, type MediaParticipant, type MediaReports, type MediaRole } from '../ports/media.ts';
import { IN_CALL } from './admission.ts';
import { mediationsRepo } from '../persistence/mediations.ts';
import { OPENS_EARLY_MS } from '../mediation/mediation.ts';

export interface ReportLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Roles that come into a room by invitation (issue 14): each of their joins and leaves is evidence. */
const INVITED: ReadonlySet<MediaRole> = new Set<MediaRole>(['party_b', 'insurer', 'mediator', 'hospital', 'repair_shop']);

/**
 * An invited participant joined or left the case's room: a note in the evidence chain (who, as
 * what, when; why they left). After the officer determined, the file takes no more evidence: the
 * presence is then only logged.
 */
async function recordPresence(ctx: CoreContext, log: ReportLog, tenant: string, caseId: string, p: MediaParticipant, presence: 'joined' | 'left', reason?: string): Promise<void> {
  if (!INVITED.has(p.role)) return;
  const data = { text: `${p.displayName}（${p.role}）${presence === 'joined' ? '进入' : '离开'}视频会议`, presence, role: p.role, displayName: p.displayName, ...(p.identity.startsWith('partner:') ? { partnerPersonId: p.identity.slice(8) } : {}), ...(reason ? { reason } : {}) };
  try {
    await addEvidence(ctx, tenant, caseId, 'system', { item: 'note', data });
  } catch (err) {
    log.warn({ tenant, caseId, presence, role: p.role, err: (err as Error).message }, 'room presence not recorded as evidence');
  }
}

/** Party A or B joined the room: the case's mediation (booked and about to start, or open) knows they came. */
async function recordMediationJoin(ctx: CoreContext, log: ReportLog, tenant: string, caseId: string, p: MediaParticipant): Promise<void> {
  if (p.role !== 'party_a' && p.role !== 'party_b') return;
  try {
    const at = ctx.clock.now();
    await mediationsRepo.joined(tenantDb(ctx, tenant), caseId, p.role === 'party_a' ? 'A' : 'B', at, new Date(at.getTime() + OPENS_EARLY_MS));
  } catch (err) {
    log.warn({ tenant, caseId, role: p.role, err: (err as Error).message }, 'mediation join not recorded');
  }
}

export function roomReports(ctx: CoreContext, log: ReportLog): MediaReports {
  return {
    async participantLost({ room: { tenant, caseId }, participant, reason }) {
      await recordPresence(ctx, log, tenant, caseId, participant, 'left', reason);
      if (!ROLE_RULES[participant.role].drivesCase) return;
      const c = await getCase(ctx.db, tenant, caseId);
      if (!IN_CALL.includes(c.state)) return;
      await dropCall(ctx, tenant, caseId, 'system');
      log.info({ tenant, caseId, reason }, 'call dropped: the party was lost');
    },
    // A return goes through the queue (继续处理, then answered again); an invited participant's join is evidence;
    // a party's join also counts for the case's mediation about to start or open (its no-show rule: mediation/schedule.ts).
    async participantReturned({ room: { tenant, caseId }, participant }) {
      await recordPresence(ctx, log, tenant, caseId, participant, 'joined');
      await recordMediationJoin(ctx, log, tenant, caseId, participant);
    },
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
