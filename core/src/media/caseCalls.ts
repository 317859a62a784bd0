/**
 * The case's call drives its room: committed case events (the live NOTIFY channel, so every
 * server process hears them) open and close rooms. case.answered opens the case's room (or keeps
 * it, after a resume, with only the seat that answered); leaving the scene, escalation and
 * abandonment end the call.
 *
 * Behind a balancer that pins a case's signalling to one process (deploy/nginx: consistent hash
 * on the case id), KUAICHU_MEDIA_ROOMS=on-join keeps the other processes from opening a router
 * for every answered case: the room opens on the first join the core admits (admission.ts,
 * `inCall`), in the process the balancer chose.
 */
import { LIVE_CHANNEL, type CoreContext, type LiveNote } from '../context.ts';
import { getCase } from '../cases/repository.ts';
import type { MediaPort, RoomClosedReason } from '../ports/media.ts';
import { IN_CALL, roomSpec } from './admission.ts';

/** Case events that end the call, and the reason the room gives its participants. */
const CLOSING: Readonly<Record<string, RoomClosedReason>> = {
  'case.evacuated': 'evacuated',
  'case.escalated': 'escalated',
  'case.abandoned': 'abandoned',
};

export interface CaseCalls {
  /** Stops listening; a note being handled finishes first. */
  close(): Promise<void>;
}

export async function followCaseCalls(ctx: CoreContext, media: MediaPort, log: { error(obj: object, msg?: string): void }, opts: { openOnAnswer?: boolean } = {}): Promise<CaseCalls> {
  const openOnAnswer = opts.openOnAnswer ?? true;
  let notes: Promise<void> = Promise.resolve();
  let closed = false;
  const handle = async (note: LiveNote): Promise<void> => {
    if (closed) return;
    if (note.type === 'case.answered') {
      const c = await getCase(ctx.db, note.tenant, note.caseId);
      if (!IN_CALL.includes(c.state) || !c.seat_id) return;
      if (openOnAnswer) await media.openRoom(roomSpec(ctx, c.tenant, c.id));
      // Answered again by another seat: the previous one leaves the room, where it is open.
      media.keepOnly({ tenant: c.tenant, caseId: c.id }, 'seat', `staff:${c.seat_id}`);
      return;
    }
    const reason = CLOSING[note.type];
    if (reason) media.endCall({ tenant: note.tenant, caseId: note.caseId }, reason);
  };
  // One at a time, in commit order (like the live pushes).
  const unlisten = await ctx.db.listen(LIVE_CHANNEL, (payload) => {
    notes = notes.then(() => handle(JSON.parse(payload) as LiveNote)).catch((err: Error) => log.error({ err }, 'media: case event not handled'));
  });
  return {
    async close() {
      if (closed) return;
      closed = true;
      await unlisten().catch(() => {});
      await notes;
    },
  };
}
