/**
 * The face networks' thread. TensorFlow.js's WebAssembly kernels run synchronously: on the
 * server's main thread one comparison (0.8–8 s on 2 cores) stalled every other request of the
 * process. Here they stall only this thread. Plain JavaScript so that it starts without a
 * TypeScript loader, whatever runs the host (tsx, node:test, vitest).
 *
 * Messages in:  { id, pixels: Uint8Array (RGB), width, height, minConfidence }
 * Messages out: { ready: true, loadMs } once, then { id, face: { descriptor, confidence, box } | null } or { id, error }
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';

const require = createRequire(import.meta.url);
// The package folder (its exports map has no entry for the wasm bundle or the weights).
const faceApiDir = path.dirname(path.dirname(require.resolve('@vladmandic/face-api')));

async function load() {
  const started = performance.now();
  const tf = require('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  const faceapi = require(path.join(faceApiDir, 'dist/face-api.node-wasm.js'));
  if (!(await tf.setBackend('wasm'))) throw new Error('face-faceapi: the TensorFlow.js WebAssembly backend did not start');
  await tf.ready();
  // face-api's own loader fetches URLs: the weights are read from the package's model/ folder.
  const models = path.join(faceApiDir, 'model');
  const weights = (name) => {
    const manifest = JSON.parse(readFileSync(path.join(models, `${name}-weights_manifest.json`), 'utf8'));
    const bytes = Buffer.concat(manifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(models, p)))));
    return tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), manifest.flatMap((g) => g.weights));
  };
  faceapi.nets.ssdMobilenetv1.loadFromWeightMap(weights('ssd_mobilenetv1_model'));
  faceapi.nets.faceLandmark68Net.loadFromWeightMap(weights('face_landmark_68_model'));
  faceapi.nets.faceRecognitionNet.loadFromWeightMap(weights('face_recognition_model'));
  return { tf, faceapi, loadMs: performance.now() - started };
}

async function detect({ tf, faceapi }, { pixels, width, height, minConfidence }) {
  const tensor = tf.tensor3d(pixels, [height, width, 3], 'int32');
  try {
    const found = await faceapi.detectSingleFace(tensor, new faceapi.SsdMobilenetv1Options({ minConfidence })).withFaceLandmarks().withFaceDescriptor();
    if (!found) return null;
    const b = found.detection.box;
    return { descriptor: found.descriptor, confidence: found.detection.score, box: { x: b.x, y: b.y, width: b.width, height: b.height } };
  } finally {
    tensor.dispose();
  }
}

const engine = load();
engine.then(
  ({ loadMs }) => parentPort.postMessage({ ready: true, loadMs }),
  (e) => parentPort.postMessage({ ready: false, error: e instanceof Error ? e.message : String(e) }),
);
parentPort.on('message', async (job) => {
  try {
    parentPort.postMessage({ id: job.id, face: await detect(await engine, job) });
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
  }
});
