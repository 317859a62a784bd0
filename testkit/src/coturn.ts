/**
 * A throwaway coturn (Debian's `turnserver`) on loopback, configured from the repo's own
 * deploy/coturn/turnserver.conf: the same shared-secret scheme (use-auth-secret), realm, quotas and
 * fingerprint; only what a loopback test cannot have is changed — this run's port and a small relay
 * range, no TLS (no certificate here), and loopback peers allowed (the media server is on
 * 127.0.0.1, which production denies). The log goes to stdout and is kept for assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.ts';
import { until } from './until.ts';

export const TURNSERVER = '/usr/bin/turnserver';
const DEPLOY_CONF = fileURLToPath(new URL('../../deploy/coturn/turnserver.conf', import.meta.url));

export interface TestCoturn {
  port: number;
  secret: string;
  /** turn: URLs to hand to clients (KUAICHU_TURN_URLS). */
  urls: string[];
  /** What coturn logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** deploy/coturn/turnserver.conf for a loopback run. */
export function loopbackConfig(deploy: string, o: { port: number; minPort: number; secret: string; dir: string }): string {
  const drop = /^(listening-port|tls-listening-port|static-auth-secret|min-port|max-port|cert|pkey|log-file|no-tlsv1|no-tlsv1_1)=?/;
  const kept = deploy.split('\n')
    .filter((l) => !drop.test(l.trim()))
    .filter((l) => !/^denied-peer-ip=127\./.test(l.trim()));
  return [
    ...kept,
    'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', `listening-port=${o.port}`, `min-port=${o.minPort}`, `max-port=${o.minPort + 19}`,
    `static-auth-secret=${o.secret}`, 'allow-loopback-peers', 'no-tls', 'no-dtls', 'no-tcp-relay',
    `pidfile=${o.dir}/turnserver.pid`, `userdb=${o.dir}/turndb`, 'verbose',
  ].join('\n');
}

/** Whether a STUN binding request to the port is answered. */
async function stunAnswers(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once('message', (m) => (clearTimeout(timer), resolve(m.readUInt16BE(0) === 0x0101)));
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

export async function startCoturn(): Promise<TestCoturn> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-turn-'));
  const port = await freePort();
  const secret = randomBytes(24).toString('base64url');
  // A relay range of its own, away from the kernel's ephemeral ports (mediasoup's and Chromium's).
  const minPort = 20000 + (process.pid % 400) * 20;
  writeFileSync(path.join(dir, 'turnserver.conf'), loopbackConfig(readFileSync(DEPLOY_CONF, 'utf8'), { port, minPort, secret, dir }));
  let log = '';
  // -c only (coturn's -n would ignore the file); the log to stdout.
  const coturn: ChildProcess = spawn(TURNSERVER, ['-c', path.join(dir, 'turnserver.conf'), '--log-file=stdout'], { stdio: ['ignore', 'pipe', 'pipe'] });
  coturn.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-200_000)));
  coturn.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-200_000)));
  const stop = async () => {
    if (coturn.exitCode === null && coturn.signalCode === null) {
      const exited = new Promise((r) => coturn.once('exit', r));
      coturn.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      if (coturn.exitCode !== null) throw new Error(`coturn exited ${coturn.exitCode}: ${log.slice(-2000)}`);
      return stunAnswers(port);
    }, 'coturn answers STUN');
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, secret, urls: [`turn:127.0.0.1:${port}?transport=udp`], log: () => log, stop };
}
