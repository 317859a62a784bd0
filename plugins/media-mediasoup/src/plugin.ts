// The fastify side: GET /api/cases/:id/media, the case's signalling WebSocket, authorised by the
// session the rest of the API uses (cookie or bearer). The plugin owns a MediaService (rooms,
// workers, recordings) and closes it with the app.
import type { AppPlugin } from '@kuaichu/core/http/app';
import { fromPino } from './log.ts';
import { MediaService, type MediaServiceOptions } from './MediaService.ts';

export type MediaPluginOptions = Omit<MediaServiceOptions, 'ctx'>;

export interface Media {
  /** Register on the app (startCore's `plugins`). */
  plugin: AppPlugin;
  /** The running service, once the app is ready. */
  readonly service: MediaService;
}

/**
 * Live video for the app: `startCore({ plugins: [createMedia(options).plugin] })`.
 * Needs @fastify/websocket and the auth hook, which the core's app registers first.
 */
export function createMedia(options: MediaPluginOptions = {}): Media {
  let service: MediaService | null = null;
  const plugin: AppPlugin = async (app, { ctx }) => {
    const s = await MediaService.create({ ...options, ctx, logger: options.logger ?? fromPino(app.log) });
    service = s;
    app.addHook('onClose', async () => s.close());
    app.get<{ Params: { id: string } }>('/api/cases/:id/media', {
      websocket: true,
      schema: {
        tags: ['media'],
        summary: "WebSocket: the case's video call signalling (schemas/signaling/); party of the case, its seat, or an officer — anyone else is closed with 4404",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
      },
    }, (socket, req) => {
      const forwarded = req.headers['x-forwarded-host'];
      const where = { origin: req.headers.origin, host: req.headers.host, forwardedHost: Array.isArray(forwarded) ? forwarded[0] : forwarded };
      s.accept(socket, req.principal, req.params.id, where).catch((err: Error) => {
        req.log.error({ err }, 'media socket failed');
        socket.close(1011, 'server error');
      });
    });
  };
  return {
    plugin,
    get service() {
      if (!service) throw new Error('the media plugin is not registered yet (or the app is not ready)');
      return service;
    },
  };
}
