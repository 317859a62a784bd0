/**
 * The wire side of the load generator in the calls-per-worker benchmark: RTP packets, their SRTP
 * protection as a browser's would have, and a receiver that counts what the worker forwards.
 */
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

/** SRTP sender, AES_CM_128_HMAC_SHA1_80 (RFC 3711), key derivation rate 0. */
export class SrtpSender {
  readonly keyBase64: string;
  readonly #encKey: Buffer;
  readonly #authKey: Buffer;
  readonly #salt: Buffer;

  constructor() {
    const master = randomBytes(16);
    const masterSalt = randomBytes(14);
    this.keyBase64 = Buffer.concat([master, masterSalt]).toString('base64');
    const derive = (label: number, n: number) => {
      const iv = Buffer.alloc(16);
      masterSalt.copy(iv, 0);
      iv[7]! ^= label;
      const c = createCipheriv('aes-128-ctr', master, iv);
      return c.update(Buffer.alloc(n));
    };
    this.#encKey = derive(0, 16);
    this.#authKey = derive(1, 20);
    this.#salt = derive(2, 14);
  }

  /** Encrypts an RTP packet (12-byte header, no CSRC or extension) in place of a copy; ROC 0. */
  protect(packet: Buffer, roc: number): Buffer {
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const iv = Buffer.alloc(16);
    this.#salt.copy(iv, 0);
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    const index = [roc >>> 16, roc & 0xffff, seq];
    iv.writeUInt16BE(iv.readUInt16BE(8) ^ index[0]!, 8);
    iv.writeUInt16BE(iv.readUInt16BE(10) ^ index[1]!, 10);
    iv.writeUInt16BE(iv.readUInt16BE(12) ^ index[2]!, 12);
    const c = createCipheriv('aes-128-ctr', this.#encKey, iv);
    const payload = c.update(packet.subarray(12));
    const out = Buffer.concat([packet.subarray(0, 12), payload, Buffer.alloc(10)]);
    const rocBuf = Buffer.alloc(4);
    rocBuf.writeUInt32BE(roc >>> 0);
    createHmac('sha1', this.#authKey).update(out.subarray(0, out.length - 10)).update(rocBuf).digest().copy(out, out.length - 10, 0, 10);
    return out;
  }
}

/** One RTP stream we send: header fields and the rollover counter. */
export class Stream {
  seq = Math.floor(Math.random() * 30000);
  roc = 0;
  ts = Math.floor(Math.random() * 1e9);
  sent = 0;
  constructor(readonly ssrc: number, readonly pt: number) {}

  packet(payload: Buffer, marker: boolean): Buffer {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (marker ? 0x80 : 0) | this.pt;
    h.writeUInt16BE(this.seq, 2);
    h.writeUInt32BE(this.ts >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    this.seq = (this.seq + 1) & 0xffff;
    if (this.seq === 0) this.roc++;
    this.sent++;
    return Buffer.concat([h, payload]);
  }
}

/** Counts what arrives per SSRC: packets, and the highest extended sequence number seen. */
export class Receiver {
  readonly socket = dgram.createSocket('udp4');
  readonly streams = new Map<number, { first: number; highest: number; received: number; cycles: number; last: number; seen: Uint8Array }>();
  duplicates = 0;
  padding = 0;
  port = 0;

  async open(): Promise<void> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', r));
    try {
      this.socket.setRecvBufferSize(8 * 1024 * 1024);
    } catch {
      // capped by net.core.rmem_max
    }
    this.port = this.socket.address().port;
    this.socket.on('message', (m) => {
      const pt = m[1]! & 0x7f;
      if (m.length < 12 || (m[1]! >= 200 && m[1]! <= 206) || pt >= 72 && pt <= 76) return; // RTCP
      if (m[0]! & 0x20) return void this.padding++; // padding (bandwidth probing), not media
      const ssrc = m.readUInt32BE(8);
      const seq = m.readUInt16BE(2);
      const s = this.streams.get(ssrc);
      if (!s) {
        const seen = new Uint8Array(65536);
        seen[seq] = 1;
        return void this.streams.set(ssrc, { first: seq, highest: seq, received: 1, cycles: 0, last: seq, seen });
      }
      if (seq < 5000 && s.last > 60000) s.cycles += 65536; // wrapped (a jump back is not a wrap)
      else if (seq > 60000 && s.last < 5000 && s.cycles > 0) return void this.duplicates++; // late from the last cycle
      // A packet seen twice (in this cycle of sequence numbers) is not counted again.
      const mark = ((s.cycles / 65536) % 255) + 1;
      if (s.seen[seq] === mark) return void this.duplicates++;
      s.seen[seq] = mark;
      s.last = seq;
      s.highest = Math.max(s.highest, s.cycles + seq);
      s.received++;
    });
  }

  /** Snapshot for a window: expected and received since `since`. */
  snapshot(): Map<number, { expected: number; received: number }> {
    return new Map([...this.streams].map(([k, s]) => [k, { expected: s.highest - s.first + 1, received: s.received }]));
  }
}

