// A participant's view of the call's streams for its console (getStats): its transports, every
// producer of the room and its own consumers, with bitrate, loss, jitter and round-trip time.
import type { types } from 'mediasoup';
import type { MediaStats } from './signaling/messages.ts';
import type { ConsumerAppData, ProducerAppData, TransportAppData } from './Peer.ts';

export async function peerStats(
  ownTransports: Iterable<types.WebRtcTransport<TransportAppData>>,
  roomProducers: Iterable<types.Producer<ProducerAppData>>,
  ownConsumers: Iterable<types.Consumer<ConsumerAppData>>,
): Promise<MediaStats> {
  const transports: MediaStats['transports'] = [];
  for (const t of [...ownTransports]) {
    const [s] = await t.getStats();
    if (!s) continue;
    transports.push({
      transportId: t.id,
      direction: t.appData.direction,
      iceState: s.iceState,
      dtlsState: s.dtlsState,
      recvBitrate: s.recvBitrate,
      sendBitrate: s.sendBitrate,
      ...(s.rtpPacketLossReceived !== undefined ? { packetLossReceived: round(s.rtpPacketLossReceived * 100) } : {}),
      ...(s.rtpPacketLossSent !== undefined ? { packetLossSent: round(s.rtpPacketLossSent * 100) } : {}),
    });
  }
  const producers: MediaStats['producers'] = [];
  for (const p of [...roomProducers]) {
    if (p.closed) continue;
    const rows = await p.getStats().catch(() => []);
    const sum = summarise(rows);
    producers.push({
      producerId: p.id, peerId: p.appData.peerId, role: p.appData.role, kind: p.kind, source: p.appData.source,
      bitrate: sum.bitrate, packetCount: sum.packetCount, packetsLost: sum.packetsLost, lossPercent: sum.lossPercent,
      jitter: rows.reduce((m, r) => Math.max(m, r.jitter), 0), score: rows.reduce((m, r) => Math.max(m, r.score), 0),
    });
  }
  const consumers: MediaStats['consumers'] = [];
  for (const c of [...ownConsumers]) {
    if (c.closed) continue;
    const rows = (await c.getStats().catch(() => [])).filter((r) => r.type === 'outbound-rtp');
    const sum = summarise(rows);
    const rtt = rows.find((r) => r.roundTripTime !== undefined)?.roundTripTime;
    consumers.push({
      consumerId: c.id, producerId: c.producerId, peerId: c.appData.peerId, kind: c.kind,
      bitrate: sum.bitrate, packetCount: sum.packetCount, packetsLost: sum.packetsLost, lossPercent: sum.lossPercent,
      ...(rtt !== undefined ? { roundTripTime: round(rtt) } : {}),
      score: rows.reduce((m, r) => Math.max(m, r.score), 0),
    });
  }
  return { at: new Date().toISOString(), transports, producers, consumers };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Bitrate, packets and loss of a stream's rows (one per simulcast layer, plus RTX). */
function summarise(rows: readonly { bitrate: number; packetCount: number; packetsLost: number }[]): { bitrate: number; packetCount: number; packetsLost: number; lossPercent: number } {
  const bitrate = rows.reduce((n, r) => n + r.bitrate, 0);
  const packetCount = rows.reduce((n, r) => n + r.packetCount, 0);
  const packetsLost = rows.reduce((n, r) => n + Math.max(0, r.packetsLost), 0);
  const expected = packetCount + packetsLost;
  return { bitrate, packetCount, packetsLost, lossPercent: expected > 0 ? round((packetsLost / expected) * 100) : 0 };
}
