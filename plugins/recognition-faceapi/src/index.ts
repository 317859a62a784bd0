/**
 * Plugin `face-faceapi` (port `face`): is the party on the video the licence holder? The face
 * in the probe (a frame of the call) against the face in the reference (the photo the licence
 * registry returns): a score 0–1 and the threshold it was judged by, so the seat sees both.
 */
import { definePlugin, type FaceComparison, type FacePort, type PluginContext } from '@kuaichu/core/ports';
import type { FaceFaceapiOptions } from '@kuaichu/core/generated/types.ts';
import { describeFace, similarity, type FaceFound } from './describe.ts';

export { engine, engineLoadMs, faceApiDir } from './engine.ts';
export { describeFace, ImageInputError, similarity, type FaceFound } from './describe.ts';

export const DEFAULT_THRESHOLD = 0.5;
export const DEFAULT_MIN_FACE_CONFIDENCE = 0.5;
export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_SIDE = 1024;

export interface FaceapiComparison extends FaceComparison {
  threshold: number;
  /** Where each face was found; null when an image had none (then match is false, score 0). */
  probeFace: Omit<FaceFound, 'descriptor'> | null;
  referenceFace: Omit<FaceFound, 'descriptor'> | null;
}

export interface FaceapiPort extends FacePort {
  compare(q: { tenant: string; probe: Uint8Array; reference: Uint8Array; threshold?: number }): Promise<FaceapiComparison>;
}

const located = (f: FaceFound | null) => (f ? { confidence: f.confidence, box: f.box } : null);

export function createFaceFaceapi(options: FaceFaceapiOptions, ctx: PluginContext): FaceapiPort {
  const defaultThreshold = options.threshold ?? DEFAULT_THRESHOLD;
  const opts = {
    maxBytes: options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES,
    maxSide: options.maxSide ?? DEFAULT_MAX_SIDE,
    minConfidence: options.minFaceConfidence ?? DEFAULT_MIN_FACE_CONFIDENCE,
  };
  return {
    async compare({ tenant, probe, reference, threshold: asked }) {
      if (asked !== undefined && !(asked >= 0 && asked <= 1)) throw new RangeError(`face-faceapi: threshold ${asked} is not between 0 and 1`);
      // The city's checklist line may set its own bar; the plugin's option is the default.
      const threshold = asked ?? defaultThreshold;
      if (tenant !== ctx.tenant) throw new Error(`face-faceapi: request for tenant "${tenant}" sent to the instance of tenant "${ctx.tenant}"`);
      const started = performance.now();
      const a = await describeFace('face-faceapi', 'probe image', probe, opts);
      const b = await describeFace('face-faceapi', 'reference image', reference, opts);
      const score = a && b ? Math.round(similarity(a.descriptor, b.descriptor) * 1000) / 1000 : 0;
      const result: FaceapiComparison = { match: Boolean(a && b) && score >= threshold, score, threshold, probeFace: located(a), referenceFace: located(b) };
      // Faces are biometric data: the log has the outcome only.
      ctx.log.info({ plugin: 'face-faceapi', tenant, probeFace: Boolean(a), referenceFace: Boolean(b), match: result.match, score, threshold, ms: Math.round(performance.now() - started) }, 'faces compared');
      return result;
    },
  };
}

export const faceFaceapi = definePlugin({
  name: 'face-faceapi',
  port: 'face',
  create: (options, ctx) => createFaceFaceapi(options as FaceFaceapiOptions, ctx),
});

export default [faceFaceapi];
