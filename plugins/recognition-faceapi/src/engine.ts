/**
 * face-api's networks (SSD MobileNet v1, 68-point landmarks, ResNet-34 descriptor; weights in
 * the npm package's model/ folder) on TensorFlow.js's WebAssembly backend. tfjs-node is not
 * used: its install downloads libtensorflow. The weights are read from disk here because
 * face-api's own loader fetches URLs. Loaded once per process, on first use.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
type FaceApi = typeof import('@vladmandic/face-api');
type Tf = typeof import('@tensorflow/tfjs');

export interface Engine {
  faceapi: FaceApi;
  tf: Tf;
}

let loading: Promise<Engine> | null = null;
let loadMs: number | null = null;

/** The package folder (its exports map has no entry for the wasm bundle or the weights). */
export function faceApiDir(): string {
  return path.dirname(path.dirname(require.resolve('@vladmandic/face-api')));
}

async function load(): Promise<Engine> {
  const started = performance.now();
  const tf = require('@tensorflow/tfjs') as Tf;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  const faceapi = require(path.join(faceApiDir(), 'dist/face-api.node-wasm.js')) as FaceApi;
  if (!(await tf.setBackend('wasm'))) throw new Error('face-faceapi: the TensorFlow.js WebAssembly backend did not start');
  await tf.ready();
  const models = path.join(faceApiDir(), 'model');
  const weights = (name: string) => {
    const manifest = JSON.parse(readFileSync(path.join(models, `${name}-weights_manifest.json`), 'utf8')) as Array<{ paths: string[]; weights: Parameters<Tf['io']['decodeWeights']>[1] }>;
    const bytes = Buffer.concat(manifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(models, p)))));
    return tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), manifest.flatMap((g) => g.weights));
  };
  faceapi.nets.ssdMobilenetv1.loadFromWeightMap(weights('ssd_mobilenetv1_model') as never);
  faceapi.nets.faceLandmark68Net.loadFromWeightMap(weights('face_landmark_68_model') as never);
  faceapi.nets.faceRecognitionNet.loadFromWeightMap(weights('face_recognition_model') as never);
  loadMs = performance.now() - started;
  return { faceapi, tf };
}

export function engine(): Promise<Engine> {
  if (!loading) {
    loading = load();
    // A failed load is not kept: the next call tries again.
    loading.catch(() => { loading = null; });
  }
  return loading;
}

export function engineLoadMs(): number | null {
  return loadMs;
}
