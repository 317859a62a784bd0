/**
 * Who the client is, for rate limits and sign-in throttles. X-Forwarded-For is believed only
 * when the connection comes from a configured proxy (KUAICHU_TRUSTED_PROXIES, default none):
 * from anyone else the header is the client's own choice and would let it pick its key.
 */
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** `127.0.0.1,10.0.0.0/8,::1` → the list fastify's trustProxy takes; a bad entry stops the start with its name. */
export function parseTrustedProxies(value: string | undefined): string[] {
  const entries = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [addr, bits, ...rest] = entry.split('/');
    const family = isIP(addr ?? '');
    const max = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (!family || !bitsOk || rest.length) {
      throw new Error(`KUAICHU_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range (e.g. 127.0.0.1,10.0.0.0/8)`);
    }
  }
  return entries;
}

/**
 * The key a client is counted under: its address (as fastify resolved it through the trusted
 * proxies), IPv6 cut to its /64 — one subscriber holds a whole /64 and could otherwise take a
 * fresh key for every request.
 */
export function clientKey(request: Pick<FastifyRequest, 'ip'>): string {
  const ip = request.ip ?? '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIP(ip) !== 6) return ip;
  return `${expandV6(ip).slice(0, 4).join(':')}::/64`;
}

function expandV6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('%')[0]!.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
