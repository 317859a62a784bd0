/**
 * National registries over HTTP (port `registry`): the driving-licence and vehicle checks of the
 * traffic management information system and the 交强险 platform's policy check, through the
 * bureau's registry gateway. Every request is KC1-signed (core/src/deliveries/signing.ts), has
 * a timeout, is retried with backoff and jitter, and goes through a circuit breaker
 * (core/src/deliveries/httpClient.ts). When the registry cannot answer — down, too slow,
 * throttling past the retries, or the breaker open — the check answers status 'unavailable'
 * with a "verify manually" line: the seat checks the papers by hand and the call goes on.
 *
 * Protocol (docs/integrations.md#registries): POST /v1/driver-licence/verify {name, idNumber},
 * POST /v1/vehicle/verify {plate}, POST /v1/compulsory-insurance/verify {plate, at}; each
 * answers 200 {code, data?} with the codes below. The seat sees masked personal data only.
 * A driver's answer may carry the licence photo on record (`data.photo`, base64 JPEG or PNG),
 * which the face comparison holds the party's video frame against.
 */
import { definePlugin, type CheckResult, type CheckStatus, type DriverResult, type HolderPhoto, type InsuranceResult, type PluginContext, type RegistryPort } from '@kuaichu/core/ports';
import { systemClock, type Clock } from '@kuaichu/core/clock';
import type { RegistryHttpOptions } from '@kuaichu/core/generated/types.ts';
import { maskIdNumber, maskName } from '@kuaichu/core/privacy/mask';
import { CounterpartUnavailable, createSignedClient, type HttpAnswer, type SignedClient } from '@kuaichu/core/deliveries';

export const DEFAULT_INSURER_CODES: Readonly<Record<string, string>> = { PICC: 'picc', PAIC: 'pingan', CPIC: 'cpic' };

/** Registry answer codes → the port's statuses. */
const DRIVER_CODES: Record<string, CheckStatus> = {
  VALID: 'valid', EXPIRED: 'expired', SUSPENDED: 'suspended', REVOKED: 'invalid', NAME_MISMATCH: 'invalid', INVALID_ID: 'invalid', NOT_FOUND: 'not_found',
};
const VEHICLE_CODES: Record<string, CheckStatus> = {
  NORMAL: 'valid', INSPECTION_OVERDUE: 'expired', SEIZED: 'suspended', SCRAPPED: 'invalid', INVALID_PLATE: 'invalid', NOT_FOUND: 'not_found',
};
const INSURANCE_CODES: Record<string, CheckStatus> = {
  IN_FORCE: 'valid', EXPIRED: 'expired', NOT_YET_IN_FORCE: 'invalid', INVALID_PLATE: 'invalid', NOT_FOUND: 'not_found',
};

const WHAT = { driver: '驾驶证', vehicle: '机动车登记', insurance: '交强险' } as const;
type What = keyof typeof WHAT;

const REASON_ZH: Record<string, string> = {
  circuit_open: '连续失败，暂停调用', timeout: '响应超时', connection: '无法连接', throttled: '调用受限', server_error: '服务端错误', rejected: '拒绝了请求',
};

interface Answer {
  code?: unknown;
  message?: unknown;
  data?: Record<string, unknown>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** A licence photo is a few tens of KB (证件照); anything past this is not one. */
export const MAX_PHOTO_BYTES = 2 * 1024 * 1024;

/** `data.photo` as the registry sends it (base64, optionally a data: URL) → bytes, or why not. */
export function decodeHolderPhoto(v: unknown): HolderPhoto | { problem: string } {
  if (typeof v !== 'string' || !v) return { problem: 'not a string' };
  const b64 = v.replace(/^data:image\/(jpeg|png);base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return { problem: 'not base64' };
  if ((b64.length / 4) * 3 > MAX_PHOTO_BYTES + 3) return { problem: `over ${MAX_PHOTO_BYTES} bytes` };
  const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { bytes, contentType: 'image/jpeg' };
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return { bytes, contentType: 'image/png' };
  return { problem: 'not a JPEG or PNG' };
}

export function createRegistryHttp(options: RegistryHttpOptions, ctx: PluginContext, deps: { clock?: Clock; now?: () => number } = {}): RegistryPort & { client: SignedClient } {
  const clock = deps.clock ?? ctx.clock ?? systemClock;
  const secret = ctx.env[options.secretEnv];
  if (!secret) throw new Error(`registry-http: environment variable ${options.secretEnv} (options.secretEnv) is not set`);
  const insurerCodes = options.insurerCodes ?? DEFAULT_INSURER_CODES;
  const client = createSignedClient({
    counterpart: 'registry-http', baseUrl: options.baseUrl, key: { id: options.keyId, secret }, log: ctx.log,
    ...(deps.now ? { now: deps.now } : {}),
    ...pick(options, ['timeoutMs', 'attempts', 'backoffMs', 'maxBackoffMs', 'breakerFailures', 'halfOpenAfterMs']),
  });

  const result = (status: CheckStatus, detail: string, data?: CheckResult['data']): CheckResult => ({
    ok: status === 'valid', status, detail, checkedAt: clock.now(), ...(data ? { data } : {}),
  });

  /** 'unavailable': the check becomes "verify manually" evidence (checks.ts) and the call goes on. */
  const unavailable = (what: What, reason: string, data: CheckResult['data']): CheckResult => {
    ctx.log.warn({ plugin: 'registry-http', tenant: ctx.tenant, check: what, reason }, 'registry unavailable: the check is to be verified manually');
    return result('unavailable', `${WHAT[what]}核验系统暂不可用（${REASON_ZH[reason] ?? reason}），请人工核验证件后继续`, { ...data, reason, verifyManually: true });
  };

  /** Sends, and gives back the parsed answer or an 'unavailable' result. */
  async function call(what: What, path: string, body: object, data: CheckResult['data']): Promise<{ answer: Answer; code: string } | { failed: CheckResult }> {
    let res: HttpAnswer;
    try {
      res = await client.send('POST', path, body);
    } catch (e) {
      if (e instanceof CounterpartUnavailable) return { failed: unavailable(what, e.reason, data) };
      throw e;
    }
    const answer = (res.json && typeof res.json === 'object' ? res.json : {}) as Answer;
    const code = str(answer.code);
    // A 401/403 (our key or clock is wrong) or an answer we cannot read is no verdict on the party.
    if ((res.status !== 200 && res.status !== 400 && res.status !== 404) || !code) {
      ctx.log.warn({ plugin: 'registry-http', tenant: ctx.tenant, check: what, status: res.status, code }, 'registry refused the request or answered in an unknown form');
      return { failed: unavailable(what, 'rejected', data) };
    }
    return { answer, code };
  }

  return {
    client,
    async verifyDriver({ name, idNumber }): Promise<DriverResult> {
      const id = String(idNumber).trim().toUpperCase();
      const masked = maskIdNumber(id);
      const r = await call('driver', '/v1/driver-licence/verify', { name: String(name).trim(), idNumber: id }, { idNumber: masked });
      if ('failed' in r) return r.failed;
      const status = DRIVER_CODES[r.code];
      if (!status) return unknownCode('driver', r.code, { idNumber: masked });
      const d = r.answer.data ?? {};
      const data = { name: maskName(String(name)), idNumber: masked, licenceClass: str(d.licenceClass), validUntil: str(d.validUntil), licenceStatus: r.code };
      const who = `${maskName(String(name))}${data.licenceClass ? `，准驾车型${data.licenceClass}` : ''}`;
      const withPhoto = (res: CheckResult): DriverResult => {
        if (d.photo === undefined || d.photo === null) return res;
        const photo = decodeHolderPhoto(d.photo);
        if ('problem' in photo) {
          // No verdict on the party: the face check says "verify manually" for want of a photo.
          ctx.log.warn({ plugin: 'registry-http', tenant: ctx.tenant, check: 'driver', problem: photo.problem }, 'the licence photo in the answer is unusable');
          return res;
        }
        return { ...res, photo };
      };
      switch (r.code) {
        case 'VALID': return withPhoto(result(status, `驾驶证状态正常：${who}${data.validUntil ? `，有效期至${data.validUntil}` : ''}`, data));
        case 'EXPIRED': return withPhoto(result(status, `驾驶证已超过有效期：${who}${data.validUntil ? `，有效期至${data.validUntil}` : ''}`, data));
        case 'SUSPENDED': return withPhoto(result(status, `驾驶证暂扣：${who}`, data));
        case 'REVOKED': return withPhoto(result(status, `驾驶证已吊销或注销：${who}`, data));
        case 'NAME_MISMATCH': return result(status, `姓名与身份证号登记信息不符（${masked}）`, { idNumber: masked });
        case 'INVALID_ID': return result(status, `身份证号码无效（${masked}）`, { idNumber: masked });
        default: return result(status, `未查询到该身份证号的驾驶证信息（${masked}）`, { idNumber: masked });
      }
    },

    async verifyVehicle({ plate }) {
      const p = normalizePlate(plate);
      const r = await call('vehicle', '/v1/vehicle/verify', { plate: p }, { plate: p });
      if ('failed' in r) return r.failed;
      const status = VEHICLE_CODES[r.code];
      if (!status) return unknownCode('vehicle', r.code, { plate: p });
      if (r.code === 'NOT_FOUND') return result(status, `未查询到号牌${p}的机动车登记信息`, { plate: p });
      if (r.code === 'INVALID_PLATE') return result(status, `号牌号码格式错误：${p}`, { plate: p });
      const d = r.answer.data ?? {};
      const data = {
        plate: p, plateType: str(d.plateType), vehicleClass: str(d.vehicleClass), vehicleClassName: str(d.vehicleClassName),
        owner: d.owner ? maskName(String(d.owner)) : null, registration: r.code.toLowerCase(), inspectionValidUntil: str(d.inspectionValidUntil),
      };
      const what = `${p}${data.vehicleClassName ? ` ${data.vehicleClassName}` : ''}${data.owner ? `，所有人${data.owner}` : ''}`;
      const until = data.inspectionValidUntil ? `，检验有效期至${data.inspectionValidUntil}` : '';
      switch (r.code) {
        case 'NORMAL': return result(status, `机动车登记状态正常：${what}${until}`, data);
        case 'INSPECTION_OVERDUE': return result(status, `机动车逾期未检验：${what}${until}`, data);
        case 'SEIZED': return result(status, `机动车被查封/扣押：${what}`, data);
        default: return result(status, `机动车已注销（报废）：${what}`, data);
      }
    },

    async verifyInsurance({ plate, at }): Promise<InsuranceResult> {
      if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError('registry-http: verifyInsurance needs a valid `at` date');
      const p = normalizePlate(plate);
      const r = await call('insurance', '/v1/compulsory-insurance/verify', { plate: p, at: at.toISOString() }, { plate: p });
      if ('failed' in r) return r.failed;
      const status = INSURANCE_CODES[r.code];
      if (!status) return unknownCode('insurance', r.code, { plate: p });
      if (r.code === 'NOT_FOUND') return result(status, `未查询到${p}的交强险投保记录`, { plate: p });
      if (r.code === 'INVALID_PLATE') return result(status, `号牌号码格式错误：${p}`, { plate: p });
      const d = r.answer.data ?? {};
      const code = str(d.insurerCode);
      const insurerId = code ? (insurerCodes[code] ?? code.toLowerCase()) : undefined;
      const policyNumber = str(d.policyNumber) ?? undefined;
      const validFrom = str(d.validFrom), validTo = str(d.validTo);
      const describe = `${policyNumber ? `保单号${policyNumber}，` : ''}保险期间${validFrom ?? '?'}至${validTo ?? '?'}`;
      const detail = r.code === 'IN_FORCE' ? `交强险在保：${describe}` : r.code === 'EXPIRED' ? `交强险已脱保：${describe}` : `交强险尚未生效：${describe}`;
      return {
        ...result(status, detail, { plate: p, insurerId: insurerId ?? null, policyNumber: policyNumber ?? null, validFrom, validTo }),
        ...(insurerId ? { insurerId } : {}),
        ...(policyNumber ? { policyNumber } : {}),
      };
    },
  };

  function unknownCode(what: What, code: string, data: CheckResult['data']): CheckResult {
    ctx.log.warn({ plugin: 'registry-http', tenant: ctx.tenant, check: what, code }, 'registry answered with a code this adapter does not know');
    return unavailable(what, 'rejected', data);
  }
}

/** 苏F·3M9K1, 苏f 3m9k1 → 苏F3M9K1. */
export function normalizePlate(plate: string): string {
  return String(plate).replace(/[\s·•.\-]/g, '').toUpperCase();
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export const registryHttp = definePlugin({
  name: 'registry-http',
  port: 'registry',
  create: (options, ctx) => createRegistryHttp(options as unknown as RegistryHttpOptions, ctx),
});

export default registryHttp;
