/**
 * Personal data never reaches the logs whole: mobile numbers and ID numbers anywhere in a
 * logged URL or message are masked, and request bodies (where they travel) are not logged.
 */
import type { FastifyServerOptions } from 'fastify';
import { maskIdNumber, maskPhone } from './mask.ts';

const ID_NUMBER = /(?<!\d)\d{17}[\dXx](?!\d)/g;
const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;

export function maskPersonalText(text: string): string {
  return text.replace(ID_NUMBER, (m) => maskIdNumber(m)).replace(MOBILE, (m) => maskPhone(m));
}

/** pino options for the server's logger. */
export function loggerOptions(level = process.env.LOG_LEVEL ?? 'info'): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level,
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: maskPersonalText(req.url), ip: req.ip }),
    },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.phone', '*.idNumber', '*.password', '*.code'], censor: '***' },
  };
}
