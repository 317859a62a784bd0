/**
 * Live pushes over WebSocket (`GET /api/live`, signed in by cookie or bearer header): seats
 * see their queue and what rings at their desk, officers see cases move, parties see their
 * case's state and queue position, duty supervisors (班长) their wallboard. Updates come from the database's NOTIFY (sent inside each
 * transaction), so a push reflects a committed change, and every server process pushes to
 * its own clients whichever process made the change. No polling. Needs @fastify/websocket
 * registered on the app.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import { LIVE_CHANNEL, tenantDb, type CoreContext, type LiveNote } from '../context.ts';
import type { Principal } from '../auth/sessions.ts';
import type { LiveMessage } from '../generated/types.ts';
import { getCase, type CaseRow } from '../cases/repository.ts';
import { queuePosition } from '../cases/queue.ts';
import { partyLiveCases } from '../cases/reads.ts';
import { seatQueueView } from './views.ts';
import { wallboard } from '../supervision/wallboard.ts';

/** A seat's status or roster changed (persistence/seats.ts announce): only the wallboard cares. */
interface SeatNote {
  tenant: string;
  seat: string;
}

interface Client {
  socket: WebSocket;
  principal: Principal;
}

export async function liveRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const clients = new Set<Client>();
  /** Every message is a LiveMessage (schemas/http/live-message.schema.json: hello, queue, event, case). */
  const send = (c: Client, m: LiveMessage) => c.socket.readyState === 1 && c.socket.send(JSON.stringify(m));

  const pushQueue = async (c: Client) => {
    const s = c.principal.staff;
    if (s?.roles.includes('seat')) send(c, { kind: 'queue', queue: await seatQueueView(ctx, c.principal.tenant, s.id, s.brigadeId) });
  };

  const pushPartyCases = async (c: Client, changed: CaseRow | null, note: LiveNote) => {
    const phone = c.principal.party!.phone;
    // The changed case, plus the party's waiting cases (their place moves when others leave the queue).
    const rows = await partyLiveCases(tenantDb(ctx, c.principal.tenant), phone, note.caseId);
    for (const row of rows) {
      send(c, { kind: 'case', caseId: row.id, number: row.number, state: row.state, queuePosition: await queuePosition(ctx, row), lastEvent: row.id === changed?.id ? note.type : 'queue.moved' });
    }
  };

  /**
   * Duty supervisors (班长) get the wallboard after every change of a case or seat of their city. A
   * burst of notes makes one board: a push waiting its turn is not queued again, and it reads the
   * database when its turn comes, so it shows every change committed before.
   */
  const boardDue = new Set<string>();
  // Whoever may read the board (GET /api/supervisor/wallboard): supervisors and the city's admin, whose wallboard page would otherwise stand still.
  const readsBoard = (c: Client) => Boolean(c.principal.staff?.roles.some((r) => r === 'supervisor' || r === 'admin'));
  const supervisorsOf = (tenant: string) => [...clients].filter((c) => c.principal.tenant === tenant && readsBoard(c));
  const pushWallboards = (tenant: string) => {
    if (boardDue.has(tenant) || !supervisorsOf(tenant).length) return;
    boardDue.add(tenant);
    chain = chain.then(async () => {
      boardDue.delete(tenant);
      const targets = supervisorsOf(tenant);
      if (!targets.length) return;
      const board = await wallboard(ctx, tenant);
      for (const c of targets) send(c, { kind: 'wallboard', wallboard: board });
    }).catch((err) => app.log.error({ err }, 'wallboard push failed'));
  };

  const onNote = async (note: LiveNote | SeatNote) => {
    if ('seat' in note) return pushWallboards(note.tenant);
    pushWallboards(note.tenant);
    const targets = [...clients].filter((c) => c.principal.tenant === note.tenant);
    if (!targets.length) return;
    const changed = await getCase(tenantDb(ctx, note.tenant), note.tenant, note.caseId).catch(() => null);
    for (const c of targets) {
      if (c.principal.staff) {
        if (changed) send(c, { kind: 'event', caseId: changed.id, number: changed.number, type: note.type, seq: note.seq, state: changed.state });
        await pushQueue(c);
      } else if (c.principal.party) {
        await pushPartyCases(c, changed, note);
      }
    }
  };

  let chain = Promise.resolve();
  const unlisten = await ctx.db.listen(LIVE_CHANNEL, (payload) => {
    // One note at a time, in commit order, so a client never sees an older state after a newer one.
    chain = chain.then(() => onNote(JSON.parse(payload) as LiveNote | SeatNote)).catch((err) => app.log.error({ err }, 'live push failed'));
  });
  app.addHook('onClose', async () => {
    await unlisten();
    for (const c of clients) c.socket.terminate();
  });

  app.get('/api/live', { websocket: true, schema: { tags: ['live'], summary: 'WebSocket: live queue and case updates (sign in first)' } }, (socket, req) => {
    if (!req.principal) {
      socket.close(4401, 'sign in first');
      // Do not wait ws's 30 s for a peer that never finishes the close handshake.
      setTimeout(() => socket.terminate(), 1000).unref();
      return;
    }
    const client: Client = { socket, principal: req.principal };
    clients.add(client);
    socket.on('close', () => clients.delete(client));
    send(client, { kind: 'hello', tenant: req.principal.tenant, as: req.principal.staff ? 'staff' : 'party' });
    void pushQueue(client).catch((err) => req.log.error({ err }, 'live push failed'));
    if (readsBoard(client)) {
      void wallboard(ctx, req.principal.tenant).then((board) => send(client, { kind: 'wallboard', wallboard: board })).catch((err) => req.log.error({ err }, 'wallboard push failed'));
    }
  });
}
