/**
 * Core's side of the media room, registered on the app like any route plugin: it creates the
 * media plugin's port with the reports core answers (roomReports.ts), follows the case's call
 * (caseCalls.ts), and owns the signalling socket's route, whose session and membership core
 * decides (admission.ts) before the plugin takes the socket.
 */
import type { AppPlugin } from '../http/app.ts';
import type { MediaPlugin, MediaPort } from '../ports/media.ts';
import { mediaEntry } from './admission.ts';
import { followCaseCalls } from './caseCalls.ts';
import { roomReports } from './roomReports.ts';

export interface MediaHandle {
  /** The route plugin to register on the app. */
  plugin: AppPlugin;
  /** The plugin's port, once the app is ready; null before. */
  port(): MediaPort | null;
}

export function mediaRoutes(media: MediaPlugin, env: Readonly<Record<string, string | undefined>>): MediaHandle {
  let port: MediaPort | null = null;
  const plugin: AppPlugin = async (app, { ctx }) => {
    const log = app.log.child({ plugin: media.name });
    const p = await media.create({
      env,
      log: { debug: (m) => log.debug(m), info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
      reports: roomReports(ctx, log),
    });
    port = p;
    let calls;
    try {
      calls = await followCaseCalls(ctx, p, log, { openOnAnswer: env.KUAICHU_MEDIA_ROOMS !== 'on-join' });
    } catch (err) {
      await p.close();
      throw err;
    }
    app.addHook('onClose', async () => {
      await calls.close();
      await p.close();
    });
    app.get<{ Params: { id: string } }>('/api/cases/:id/media', {
      websocket: true,
      schema: {
        tags: ['media'],
        summary: "WebSocket: the case's video call signalling (schemas/signaling/); party of the case, its seat, or an officer — anyone else is closed with 4404",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
      },
    }, (socket, req) => {
      const forwarded = req.headers['x-forwarded-host'];
      const entry = mediaEntry(ctx, req.principal, req.params.id);
      p.admit(socket, { caseId: req.params.id, origin: req.headers.origin, host: req.headers.host, forwardedHost: Array.isArray(forwarded) ? forwarded[0] : forwarded, entry }).catch((err: Error) => {
        req.log.error({ err }, 'media socket failed');
        socket.close(1011, 'server error');
      });
    });
  };
  return { plugin, port: () => port };
}
