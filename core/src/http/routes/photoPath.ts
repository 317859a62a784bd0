/**
 * The photo path's (事故快处) routes. So far: a signed-in party's photo for one of the city's
 * required shots is checked before the party app accepts it and moves to the next shot.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import { Errors } from '../../errors.ts';
import type { PhotoCheck } from '../../generated/types.ts';
import { liveCity } from '../../cases/intake.ts';
import { checkPhoto, PHOTO_LIMITS } from '../../photoPath/photoCheck.ts';
import { partyOf, requireParty } from '../auth.ts';
import { responseSchema } from '../responses.ts';

const shotParams = { type: 'object', required: ['shot'], additionalProperties: false, properties: { shot: { type: 'string', maxLength: 48 } } } as const;

export async function photoPathRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  app.post<{ Params: { shot: string } }>('/api/photo-path/shots/:shot/check', {
    preHandler: requireParty, config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
    schema: {
      tags: ['party'], summary: '事故快处: check a photo for one required shot (multipart, one file): decodes as JPEG/PNG, big enough, not blank; nothing stored',
      params: shotParams, consumes: ['multipart/form-data'],
      response: { 200: responseSchema('http/photo-check.schema.json'), 409: responseSchema('http/error.schema.json'), 415: responseSchema('http/error.schema.json'), 422: responseSchema('http/error.schema.json') },
    },
  }, async (req): Promise<PhotoCheck> => {
    const party = partyOf(req);
    const city = liveCity(ctx, party.tenant);
    if (!city.photo) throw Errors.pathNotOffered('本市未开通事故快处（拍照自行协商）。This city does not offer photo quick handling.', { path: 'photo', offered: [...city.paths] });
    const shot = city.photo.shots.find((s) => s.id === req.params.shot);
    if (!shot) throw Errors.validation(`no shot "${req.params.shot}" on this city's photo path`, { shots: city.photo.shots.map((s) => s.id) });
    const part = await req.file({ limits: { fileSize: PHOTO_LIMITS.maxBytes, files: 1, fields: 0 } });
    if (!part) throw Errors.validation('no file in the request');
    const bytes = new Uint8Array(await part.toBuffer());
    if (part.file.truncated) throw Errors.fileTooLarge(`photos are limited to ${PHOTO_LIMITS.maxBytes / 1024 / 1024} MB`);
    const photo = await checkPhoto(bytes);
    return { shot: shot.id, accepted: true, ...photo, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
}
