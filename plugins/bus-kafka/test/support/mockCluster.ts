/**
 * librdkafka's mock cluster as a test peer (../mock-cluster.c). The C program is compiled once
 * per source version into ~/.cache/kuaichu/ (Debian's librdkafka-dev and a C compiler, both
 * installed by the bootstrap), started on loopback, and driven through its stdin: broker
 * down/up for outages, topics created up front (the mock has no CreateTopics).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const source = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'mock-cluster.c');

export interface MockCluster {
  /** host:port of each broker, for KAFKA_BROKERS. */
  brokers: string[];
  /** Broker `id` (1 … n) drops its connections and refuses new ones. */
  down(id: number): Promise<void>;
  up(id: number): Promise<void>;
  /** Provisions a topic (replication factor 1). */
  createTopic(name: string, partitions: number): Promise<void>;
  /** The next request with Kafka API key `apiKey` is answered with error `code` (librdkafka's error injection). */
  failNext(apiKey: number, code: number): Promise<void>;
  stop(): Promise<void>;
}

/** The compiled program, built when its source changed. */
export function mockClusterBinary(): string {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const dir = path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'kuaichu', 'kafka-mock');
  const bin = path.join(dir, `mock-cluster-${hash}`);
  if (existsSync(bin)) return bin;
  if (!existsSync('/usr/include/librdkafka/rdkafka_mock.h')) {
    throw new Error('librdkafka-dev is not installed (rdkafka_mock.h): run `npm test` as root once so the bootstrap installs it');
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  execFileSync('cc', ['-O2', '-o', tmp, source, '-lrdkafka'], { stdio: 'pipe' });
  renameSync(tmp, bin); // atomic: test files building at once each get a whole binary
  return bin;
}

export async function startMockCluster(opts: { brokers?: number; topics?: Record<string, number> } = {}): Promise<MockCluster> {
  const topics = Object.entries(opts.topics ?? { 'case-events': 3 }).map(([t, n]) => `${t}:${n}`);
  const child: ChildProcessWithoutNullStreams = spawn(mockClusterBinary(), [String(opts.brokers ?? 1), ...topics], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error(`mock cluster exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
    return r.value;
  };
  const first = await nextLine();
  const m = /^bootstrap (\S+)$/.exec(first);
  if (!m) throw new Error(`mock cluster: unexpected first line "${first}" ${stderr}`);
  // One command at a time: each answers with one line.
  let queue: Promise<unknown> = Promise.resolve();
  const command = (cmd: string): Promise<void> => {
    const run = queue.then(async () => {
      child.stdin.write(`${cmd}\n`);
      const answer = await nextLine();
      if (answer !== 'ok') throw new Error(`mock cluster: ${cmd}: ${answer}`);
    });
    queue = run.catch(() => {});
    return run;
  };
  return {
    brokers: m[1]!.split(','),
    down: (id) => command(`down ${id}`),
    up: (id) => command(`up ${id}`),
    createTopic: (name, partitions) => command(`topic ${name} ${partitions}`),
    failNext: (apiKey, code) => command(`error ${apiKey} ${code}`),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
