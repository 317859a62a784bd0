/**
 * Development SMS driver (port `sms`). It sends nothing: every accepted message goes into a
 * bounded in-memory outbox per tenant (newest first) that tests and the admin page read. It
 * checks what an operator's gateway (阿里云短信, 腾讯云短信 …) checks, and refuses the same:
 * a recipient that is not a mainland mobile number, an empty or over-long text, an unknown
 * kind, a message for another tenant's account. Operator conventions it follows: the sender
 * signature 【…】 goes in front of the text; the whole content (signature included) is billed
 * as one segment up to 70 characters, and a longer message is split into segments of 67
 * characters (3 go to the concatenation header); the receipt carries an operator-style id.
 */
import { randomInt } from 'node:crypto';
import { definePlugin, type PluginContext, type SmsKind, type SmsMessage, type SmsOutbox, type SmsPort, type SmsReceipt, type StoredSms } from '@kuaichu/core/ports';
import { systemClock, type Clock } from '@kuaichu/core/clock';
import type { SmsDevOptions } from '@kuaichu/core/generated/types.ts';

/** Mainland mobile numbers: 11 digits, 1 then 3–9. */
export const MOBILE_RE = /^1[3-9]\d{9}$/;
/** Longest message text accepted (without the signature). */
export const MAX_TEXT_CHARS = 500;
/** Characters of one single-segment message, signature included. */
export const SINGLE_SEGMENT_CHARS = 70;
/** Characters per segment once a message is split (concatenated SMS). */
export const MULTI_SEGMENT_CHARS = 67;
export const DEFAULT_SIGNATURE = '【快处】';
export const DEFAULT_CAPACITY = 1000;

const KINDS: ReadonlySet<SmsKind> = new Set<SmsKind>(['otp', 'evacuate', 'determination', 'review', 'claim', 'escalation', 'other']);

/** A message as this driver keeps it: `text` is the content as delivered (signature first). */
export interface DevStoredSms extends StoredSms {
  /** The text the caller asked to send, without the signature. */
  body: string;
  /** Billed segments of the delivered content. */
  segments: number;
}

export interface SmsDevDriver extends SmsPort, SmsOutbox {
  outbox(tenant: string, opts?: { to?: string; limit?: number }): Promise<DevStoredSms[]>;
  /** The signature as put in front of every message. */
  readonly signature: string;
}

/** 13812345678 → 138****5678 (log lines never carry a full number). */
export function maskPhone(phone: string): string {
  return MOBILE_RE.test(phone) ? `${phone.slice(0, 3)}****${phone.slice(7)}` : `<${phone.length} chars>`;
}

/** Segments an operator bills for the content (signature included). */
export function countSegments(content: string): number {
  // UTF-16 code units, as operators count UCS-2 characters (an emoji counts twice).
  const n = content.length;
  return n <= SINGLE_SEGMENT_CHARS ? 1 : Math.ceil(n / MULTI_SEGMENT_CHARS);
}

/** Signature as operators want it: 【…】 (a bare 哈尔滨交警 is bracketed). */
export function normalizeSignature(signature: string | undefined): string {
  const s = (signature ?? DEFAULT_SIGNATURE).trim();
  if (!s) return DEFAULT_SIGNATURE;
  return s.startsWith('【') && s.endsWith('】') ? s : `【${s.replace(/^【|】$/g, '')}】`;
}

export function createSmsDev(options: SmsDevOptions, ctx: PluginContext, deps: { clock?: Clock; capacity?: number } = {}): SmsDevDriver {
  const clock = deps.clock ?? ctx.clock ?? systemClock;
  const capacity = deps.capacity ?? DEFAULT_CAPACITY;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`sms-dev: outbox capacity must be a positive integer, got ${capacity}`);
  const signature = normalizeSignature(options.signature);
  const boxes = new Map<string, DevStoredSms[]>();
  let seq = 0;

  function refuse(reason: string, message: SmsMessage): never {
    ctx.log.warn({ plugin: 'sms-dev', tenant: message.tenant, to: maskPhone(String(message.to)), kind: message.kind, caseId: message.caseId }, `sms refused: ${reason}`);
    throw new Error(`sms-dev: ${reason}`);
  }

  return {
    signature,
    async send(message: SmsMessage): Promise<SmsReceipt> {
      if (message.tenant !== ctx.tenant) refuse(`message for tenant "${message.tenant}" sent through the account of tenant "${ctx.tenant}"`, message);
      if (typeof message.to !== 'string' || !MOBILE_RE.test(message.to)) {
        refuse(`recipient ${maskPhone(String(message.to))} is not a mainland mobile number (11 digits starting 13–19)`, message);
      }
      if (!KINDS.has(message.kind)) refuse(`unknown message kind "${String(message.kind)}"`, message);
      if (typeof message.text !== 'string' || message.text.trim() === '') refuse('empty message text', message);
      if (message.text.length > MAX_TEXT_CHARS) refuse(`message text is ${message.text.length} characters, the limit is ${MAX_TEXT_CHARS}`, message);
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(message.text)) refuse('message text contains control characters', message);

      const acceptedAt = clock.now();
      const id = operatorId(acceptedAt, ++seq);
      const text = signature + message.text;
      const stored: DevStoredSms = {
        tenant: message.tenant,
        to: message.to,
        text,
        body: message.text,
        kind: message.kind,
        ...(message.caseId !== undefined ? { caseId: message.caseId } : {}),
        id,
        acceptedAt,
        segments: countSegments(text),
      };
      const box = boxes.get(message.tenant) ?? [];
      box.unshift(stored);
      if (box.length > capacity) box.length = capacity;
      boxes.set(message.tenant, box);
      ctx.log.info(
        { plugin: 'sms-dev', tenant: message.tenant, to: maskPhone(message.to), kind: message.kind, caseId: message.caseId, id, chars: text.length, segments: stored.segments },
        'sms accepted (development outbox, not sent)',
      );
      return { id, acceptedAt: new Date(acceptedAt) };
    },
    async outbox(tenant, opts = {}) {
      const { to, limit } = opts;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new RangeError(`sms-dev: limit must be a non-negative integer, got ${limit}`);
      let list = boxes.get(tenant) ?? [];
      if (to !== undefined) list = list.filter((m) => m.to === to);
      if (limit !== undefined) list = list.slice(0, limit);
      return list.map((m) => ({ ...m, acceptedAt: new Date(m.acceptedAt) }));
    },
  };
}

/** Like an operator's BizId: digits from the accept time and a random part, then `^0`. */
function operatorId(at: Date, seq: number): string {
  const ms = String(at.getTime()).slice(-10);
  return `${ms}${String(seq % 1_000_000).padStart(6, '0')}${String(randomInt(0, 100)).padStart(2, '0')}^0`;
}

/** True when the SMS port also keeps an outbox (the development driver does). */
export function hasOutbox(port: SmsPort): port is SmsPort & SmsOutbox {
  return typeof (port as Partial<SmsOutbox>).outbox === 'function';
}

export const smsDev = definePlugin({
  name: 'sms-dev',
  port: 'sms',
  create: (options, ctx) => createSmsDev(options as SmsDevOptions, ctx),
});

export default smsDev;
