// The SDP that tells ffmpeg what arrives on which port: one m-line per stream, in the order of
// the output's tracks (party video, party audio, seat audio).
import type { types } from 'mediasoup';

export interface SdpStream {
  kind: 'audio' | 'video';
  port: number;
  codec: types.RtpCodecParameters;
}

export function recordingSdp(streams: readonly SdpStream[], ip = '127.0.0.1'): string {
  const lines = ['v=0', `o=- 0 0 IN IP4 ${ip}`, 's=kuaichu recording', `c=IN IP4 ${ip}`, 't=0 0'];
  for (const s of streams) {
    const { payloadType: pt, mimeType, clockRate, channels, parameters } = s.codec;
    const name = mimeType.split('/')[1]!;
    lines.push(`m=${s.kind} ${s.port} RTP/AVP ${pt}`);
    lines.push(`a=rtcp:${s.port + 1}`);
    lines.push(`a=rtpmap:${pt} ${name}/${clockRate}${channels && channels > 1 ? `/${channels}` : ''}`);
    const fmtp = Object.entries(parameters ?? {}).map(([k, v]) => `${k}=${v}`).join(';');
    if (fmtp) lines.push(`a=fmtp:${pt} ${fmtp}`);
    lines.push('a=recvonly');
  }
  return lines.join('\r\n') + '\r\n';
}
