/**
 * Calls per worker: one mediasoup worker, calls added level by level while a Node sender and
 * receiver on the other core stand in for the browsers; per level the worker's CPU, packet
 * rates and the loss measured at the receivers (see media.bench.ts).
 */
import { readFileSync } from 'node:fs';
import dgram from 'node:dgram';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWorkerPool, type WorkerPool } from '@kuaichu/plugin-media-mediasoup';
import { openCall, producerTotals, tick, transmitted, type Call } from './calls.ts';
import { Receiver } from './rtp.ts';

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
}

/** Raises the number of calls on one worker through `levels` until loss reaches 1 % or something saturates. */
export async function callsPerWorker(levels: readonly number[], seconds: number, participants = 2): Promise<void> {
  const what = participants > 2 ? `${participants}-person rooms` : 'calls';
  /** Each packet sent reaches this many receivers (1:1: the other side; a room: every other participant). */
  const fanout = participants > 2 ? participants - 1 : 1;
  const pool: WorkerPool = await createWorkerPool(1, { logger: { info() {}, error: (m) => console.error(m) } });
  const worker = pool.next();
  const receiver = new Receiver();
  await receiver.open();
  const out = dgram.createSocket('udp4');
  try {
    out.setSendBufferSize(8 * 1024 * 1024);
  } catch {
    // capped by net.core.wmem_max
  }
  await new Promise<void>((r) => out.bind(0, '127.0.0.1', r));
  const calls: Call[] = [];
  let running = true;
  let late = 0;
  // Each call keeps its own 20 ms clock, its phase spread at random, so packets leave evenly as
  // browsers' would rather than in one burst per tick. A call more than 100 ms behind is reset.
  const pump = () => {
    if (!running) return;
    const now = performance.now();
    for (const c of calls) {
      if (now - c.next > 100) {
        late++;
        c.next = now;
      }
      while (c.next <= now) {
        tick(c, out);
        c.next += 20;
      }
    }
    setTimeout(pump, 2);
  };
  pump();

  const hz = 100; // USER_HZ
  console.log(`\n${what} per worker: one mediasoup worker (pid ${worker.pid}), SRTP PlainTransports, ${seconds} s per level${participants > 2 ? `; each room: ${participants} senders of video and voice, each received by the ${participants - 1} others` : ''}`);
  console.log(`  ${participants > 2 ? 'rooms' : 'calls'}  worker CPU  packets in/s  out/s   loss at receivers  worst call  lost on the way in  load generator CPU, late`);
  let best = 0;
  let bestCpu = 0;
  for (const level of levels) {
    while (calls.length < level) calls.push(await openCall(worker, receiver, participants));
    // Settle: key frames, consumers synced, and what queued up while the calls were being set up
    // forwarded (what goes out matches what comes in), for at most 15 s.
    await sleep(2000);
    const totalReceived = () => [...receiver.streams.values()].reduce((n, x) => n + x.received, 0);
    for (let i = 0; i < 15; i++) {
      const [t0, r0] = [transmitted(), totalReceived()];
      await sleep(1000);
      const [t1, r1] = [transmitted(), totalReceived()];
      if (Math.abs((r1 - r0) - fanout * (t1 - t0)) <= 0.02 * fanout * (t1 - t0)) break;
    }
    const ssrcs = new Set(calls.flatMap((c) => c.consumers.map((x) => x.rtpParameters.encodings![0]!.ssrc!)));
    // Every counter of the window is read at the same instant at each end (asking the worker for
    // stats takes a while under load, so its totals are read outside the window).
    const prod0 = await producerTotals(calls);
    const a = receiver.snapshot();
    const cpu0 = cpuTicks(worker.pid);
    const node0 = process.cpuUsage();
    const sent0 = transmitted();
    const late0 = late;
    const dup0 = receiver.duplicates;
    const pad0 = receiver.padding;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const b = receiver.snapshot();
    const sent = transmitted() - sent0;
    const secs = (performance.now() - t0) / 1000;
    const cpu = (cpuTicks(worker.pid) - cpu0) / hz / secs;
    const nodeUse = process.cpuUsage(node0);
    const nodeCpu = (nodeUse.user + nodeUse.system) / 1e6 / secs;
    const queued = out.getSendQueueCount();
    let expected = 0;
    let received = 0;
    let worst = 0;
    for (const c of calls) {
      let ce = 0;
      let cr = 0;
      for (const x of c.consumers) {
        const ssrc = x.rtpParameters.encodings![0]!.ssrc!;
        const s0 = a.get(ssrc) ?? { expected: 0, received: 0 };
        const s1 = b.get(ssrc) ?? { expected: 0, received: 0 };
        ce += s1.expected - s0.expected;
        cr += s1.received - s0.received;
      }
      expected += ce;
      received += cr;
      worst = Math.max(worst, ce > 0 ? 1 - cr / ce : 1);
    }
    const prod1 = await producerTotals(calls);
    const prodLost = prod1.lost - prod0.lost;
    const prodCount = prod1.count - prod0.count;
    const loss = expected > 0 ? Math.max(0, 1 - received / expected) : 1;
    const missing = [...ssrcs].filter((s) => !b.has(s)).length;
    console.log(`  ${String(level).padStart(5)}  ${(cpu * 100).toFixed(0).padStart(8)} %  ${String(Math.round(sent / secs)).padStart(12)}  ${String(Math.round(received / secs)).padStart(5)}  ${(loss * 100).toFixed(2).padStart(15)} %  ${(worst * 100).toFixed(2).padStart(8)} %  ${(prodCount ? (prodLost / (prodLost + prodCount)) * 100 : 0).toFixed(2).padStart(16)} %  ${(nodeCpu * 100).toFixed(0).padStart(8)} %, ${late - late0}${missing ? `  (${missing} streams never arrived)` : ''}${queued > 0 ? `  (${queued} packets still queued in the sender: it fell behind)` : ''}${receiver.duplicates > dup0 ? `  (${receiver.duplicates - dup0} duplicates)` : ''}${receiver.padding > pad0 ? `  (${receiver.padding - pad0} padding packets)` : ''}${process.env.BENCH_DEBUG ? `  worker: in ${prodCount} out ${prod1.forwarded - prod0.forwarded}` : ''}`);
    const inLoss = prodCount ? prodLost / (prodLost + prodCount) : 0;
    // Beyond capacity the figures stop meaning anything (queues drain into the window, the
    // generator falls behind): the first sign of it ends the ramp.
    const overloaded = cpu > 0.95 || inLoss >= 0.01 || received > sent * fanout * 1.1 || late > late0 || queued > 0;
    if (loss < 0.01 && !missing && !overloaded) {
      best = level;
      bestCpu = cpu;
    }
    if (loss >= 0.01 || overloaded) {
      const why = [cpu > 0.95 && 'the worker\'s core is saturated', inLoss >= 0.01 && 'packets are lost on the way into the worker',
        received > sent * fanout * 1.1 && 'queues from before the window drain into it', (late > late0 || queued > 0) && 'the load generator fell behind'].filter(Boolean);
      console.log(`  stopped: ${why.join('; ') || 'loss ≥ 1 %'} (both share this machine's ${os.availableParallelism()} cores)`);
      break;
    }
  }
  running = false;
  const unit = participants > 2 ? `${participants}-person rooms` : '1:1 calls';
  console.log(`\n  → one worker sustained ${best} concurrent ${unit} with < 1 % loss${best === levels[levels.length - 1] ? ' (the highest level tried; raise the levels)' : ''}; at that level it used ${(bestCpu * 100).toFixed(0)} % of its core (≈ ${bestCpu > 0 ? Math.floor(best / bestCpu) : '?'} ${participants > 2 ? 'rooms' : 'calls'} per fully used core by linear extrapolation)`);
  for (const c of calls) c.router.close();
  receiver.socket.close();
  out.close();
  pool.close();
}
