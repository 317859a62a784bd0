// UDP ports for ffmpeg to receive RTP on: a free even port whose next port (RTCP) is free too.
// The ports are probed by binding them, then released for ffmpeg; a port handed out is not handed
// out again for a minute, so two recordings starting together never get the same pair.
import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';

const recent = new Map<number, number>();
const HOLD_MS = 60_000;

function bind(port: number, host: string): Promise<dgram.Socket | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(null);
    });
    s.bind(port, host, () => resolve(s));
  });
}

/** An even port p with p and p + 1 free on `host`. */
export async function freePortPair(host = '127.0.0.1'): Promise<number> {
  const now = Date.now();
  for (const [p, at] of recent) if (now - at > HOLD_MS) recent.delete(p);
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = await bind(0, host);
    if (!a) continue;
    let p = a.address().port;
    a.close();
    if (p % 2 === 1) p -= 1;
    if (p < 1024 || recent.has(p)) continue;
    const rtp = await bind(p, host);
    if (!rtp) continue;
    const rtcp = await bind(p + 1, host);
    rtp.close();
    if (!rtcp) continue;
    rtcp.close();
    recent.set(p, now);
    return p;
  }
  throw new Error('no free UDP port pair for the recorder');
}

/** UDP ports some process has bound (Linux /proc), or null where that cannot be read. */
export async function boundUdpPorts(): Promise<Set<number> | null> {
  try {
    const ports = new Set<number>();
    for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
      const text = await readFile(file, 'utf8').catch(() => '');
      for (const line of text.split('\n').slice(1)) {
        const local = line.trim().split(/\s+/)[1];
        const hex = local?.split(':').pop();
        if (hex) ports.add(parseInt(hex, 16));
      }
    }
    return ports.size ? ports : null;
  } catch {
    return null;
  }
}
