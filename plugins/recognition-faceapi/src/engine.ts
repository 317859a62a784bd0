/**
 * face-api's networks (SSD MobileNet v1, 68-point landmarks, ResNet-34 descriptor; weights in
 * the npm package's model/ folder) on TensorFlow.js's WebAssembly backend, in a worker thread
 * (faceWorker.mjs says why). tfjs-node is not used: its install downloads libtensorflow.
 * One thread per process, started on first use; jobs queue in it. A thread that dies fails
 * the jobs it held and the next job starts a new one.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

export interface Detected {
  descriptor: Float32Array;
  confidence: number;
  /** In the pixels' own coordinates. */
  box: { x: number; y: number; width: number; height: number };
}

export interface Engine {
  /** One face in an RGB image (height × width × 3 bytes), or null. */
  detect(pixels: Uint8Array, width: number, height: number, minConfidence: number): Promise<Detected | null>;
  /** The thread, for whoever must see it die (tests, shutdown). */
  readonly worker: Worker;
}

type Reply = { id: number; face?: Detected | null; error?: string } | { ready: boolean; loadMs?: number; error?: string };

let loading: Promise<Engine> | null = null;
let loadMs: number | null = null;

/** The package folder (its exports map has no entry for the wasm bundle or the weights). */
export function faceApiDir(): string {
  return path.dirname(path.dirname(require.resolve('@vladmandic/face-api')));
}

function start(): Promise<Engine> {
  let self: Promise<Engine>;
  const worker = new Worker(new URL('./faceWorker.mjs', import.meta.url));
  const pending = new Map<number, { resolve: (f: Detected | null) => void; reject: (e: Error) => void }>();
  let next = 0;
  // The thread keeps the process alive only while it holds jobs: an idle engine never delays exit.
  const hold = () => (pending.size ? worker.ref() : worker.unref());
  self = new Promise<Engine>((resolve, reject) => {
    const fail = (e: Error) => {
      if (loading === self) loading = null;
      reject(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`face-faceapi: the face thread exited (code ${code})`)));
    worker.on('message', (m: Reply) => {
      if ('ready' in m) {
        if (!m.ready) return void worker.terminate().then(() => fail(new Error(m.error ?? 'face-faceapi: the models did not load')));
        loadMs = m.loadMs ?? null;
        hold();
        return resolve({
          worker,
          detect(pixels, width, height, minConfidence) {
            const id = ++next;
            return new Promise<Detected | null>((res, rej) => {
              pending.set(id, { resolve: res, reject: rej });
              hold();
              worker.postMessage({ id, pixels, width, height, minConfidence });
            });
          },
        });
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      hold();
      if (m.error !== undefined) p.reject(new Error(`face-faceapi: ${m.error}`));
      else p.resolve(m.face ?? null);
    });
  });
  return self;
}

export function engine(): Promise<Engine> {
  // A failed or dead thread is not kept (fail() clears it): the next call starts again.
  return (loading ??= start());
}

export function engineLoadMs(): number | null {
  return loadMs;
}
