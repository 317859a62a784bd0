// The media plugin as core sees it: a MediaPlugin (@kuaichu/core/ports) whose port is a
// MediaService (rooms, workers, recordings). Core registers the signalling route, decides who
// joins, and closes the port with the app.
import type { MediaPlugin } from '@kuaichu/core/ports';
import { fromPino } from './log.ts';
import { mediaOptionsFromEnv } from './config.ts';
import { MediaService, type MediaServiceOptions } from './MediaService.ts';

export type MediaPluginOptions = Omit<MediaServiceOptions, 'reports'>;

export interface Media {
  /** The plugin to give the core (startCore's `media`). */
  plugin: MediaPlugin;
  /** The running service, once the core has created it. */
  readonly service: MediaService;
}

/** Live video with these options: `startCore({ media: createMedia(options).plugin })` (tests, benchmarks). */
export function createMedia(options: MediaPluginOptions = {}): Media {
  let service: MediaService | null = null;
  const plugin: MediaPlugin = {
    name: 'media-mediasoup',
    port: 'media',
    async create({ log, reports }) {
      service = await MediaService.create({ ...options, reports, logger: options.logger ?? fromPino(log) });
      return service;
    },
  };
  return {
    plugin,
    get service() {
      if (!service) throw new Error('the media plugin is not created yet (the core is not started)');
      return service;
    },
  };
}

/** The package's plugin as the core discovers it (`npm start`): options from the environment (config.ts). */
export const mediaPlugin: MediaPlugin = {
  name: 'media-mediasoup',
  port: 'media',
  create: (ctx) => createMedia(mediaOptionsFromEnv(ctx.env)).plugin.create(ctx),
};
