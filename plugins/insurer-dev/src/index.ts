/**
 * Development insurer driver (port `insurer`): stands in for the insurers' report APIs
 * (报案接口) that the "定损理赔" button pushes a case to. It records every push in memory per
 * tenant and answers with a claim number — insurer prefix, local (Beijing) date, daily
 * sequence, e.g. PICC-20260601-000123. Like a real report API it de-duplicates by external
 * reference: a retried push of the same case to the same insurer for the same vehicle gets
 * the same claim number back. It refuses what the API would refuse: an insurer this city has
 * no agreement with (the `insurers` option), a malformed push.
 */
import { definePlugin, type ClaimPush, type ClaimReceipt, type InsurerPort, type PluginContext } from '@kuaichu/core/ports';
import { systemClock, type Clock } from '@kuaichu/core/clock';
import type { InsurerDevOptions } from '@kuaichu/core/generated/types.ts';

/** Claim-number prefixes of the insurers the cities name; others use their id in capitals. */
export const CLAIM_PREFIXES: Readonly<Record<string, string>> = { picc: 'PICC', pingan: 'PAIC', cpic: 'CPIC' };
const MOBILE_RE = /^1[3-9]\d{9}$/;
const INSURER_ID_RE = /^[a-z][a-z0-9_-]{1,31}$/;

export interface RecordedPush extends ClaimPush, ClaimReceipt {
  /** How many times this claim was pushed (1 + retries). */
  attempts: number;
  lastPushedAt: Date;
}

export type InsurerDevDriver = InsurerPort & {
  /** Every recorded push of a tenant, oldest first (copies). */
  pushes(tenant: string): RecordedPush[];
  /** Insurer ids accepted, or null for every insurer. */
  readonly insurers: readonly string[] | null;
};

export function maskPhone(phone: string): string {
  return MOBILE_RE.test(phone) ? `${phone.slice(0, 3)}****${phone.slice(7)}` : `<${phone.length} chars>`;
}

export function claimPrefix(insurerId: string): string {
  return CLAIM_PREFIXES[insurerId] ?? insurerId.replace(/[^a-z0-9]/gi, '').toUpperCase();
}

/** YYYYMMDD of an instant in Beijing time. */
export function beijingDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

export function createInsurerDev(options: InsurerDevOptions, ctx: PluginContext, deps: { clock?: Clock } = {}): InsurerDevDriver {
  const clock = deps.clock ?? ctx.clock ?? systemClock;
  const insurers = options.insurers?.length ? [...new Set(options.insurers)] : null;
  for (const id of insurers ?? []) if (!INSURER_ID_RE.test(id)) throw new Error(`insurer-dev: "${id}" is not an insurer id (lower-case letters and digits, e.g. picc)`);
  const records = new Map<string, RecordedPush[]>();
  const byKey = new Map<string, RecordedPush>();
  const sequences = new Map<string, number>();

  function refuse(reason: string, claim: Partial<ClaimPush>): never {
    ctx.log.warn({ plugin: 'insurer-dev', tenant: claim.tenant, caseId: claim.caseId, insurerId: claim.insurerId }, `claim push refused: ${reason}`);
    throw new Error(`insurer-dev: ${reason}`);
  }

  const copy = (r: RecordedPush): RecordedPush => ({ ...r, acceptedAt: new Date(r.acceptedAt), lastPushedAt: new Date(r.lastPushedAt) });

  return {
    insurers,
    async pushClaim(claim: ClaimPush): Promise<ClaimReceipt> {
      if (claim.tenant !== ctx.tenant) refuse(`claim for tenant "${claim.tenant}" pushed through the account of tenant "${ctx.tenant}"`, claim);
      if (typeof claim.insurerId !== 'string' || !INSURER_ID_RE.test(claim.insurerId)) refuse(`"${String(claim.insurerId)}" is not an insurer id`, claim);
      if (insurers && !insurers.includes(claim.insurerId)) {
        refuse(`insurer "${claim.insurerId}" is not connected for tenant "${ctx.tenant}" (connected: ${insurers.join(', ')})`, claim);
      }
      for (const field of ['caseId', 'plate', 'determinationNo', 'liability'] as const) {
        if (typeof claim[field] !== 'string' || !claim[field].trim()) refuse(`${field} is missing`, claim);
      }
      if (!MOBILE_RE.test(String(claim.phone))) refuse(`phone ${maskPhone(String(claim.phone))} is not a mainland mobile number`, claim);
      let url: URL | null = null;
      try {
        url = new URL(claim.documentUrl);
      } catch {
        /* refused below */
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) refuse(`documentUrl "${claim.documentUrl}" is not an http(s) URL`, claim);

      const now = clock.now();
      // A determination shared as issued (claims.mode realtime) is a report of its own, not the party's claim.
      const key = JSON.stringify([claim.tenant, claim.caseId, claim.insurerId, claim.plate, claim.kind ?? 'claim']);
      const previous = byKey.get(key);
      if (previous) {
        previous.attempts++;
        previous.lastPushedAt = now;
        // The latest content wins (a re-issued determination after review), the claim stays.
        Object.assign(previous, { determinationNo: claim.determinationNo, documentUrl: claim.documentUrl, phone: claim.phone, liability: claim.liability });
        ctx.log.info({ plugin: 'insurer-dev', tenant: claim.tenant, caseId: claim.caseId, insurerId: claim.insurerId, claimNo: previous.claimNo, attempts: previous.attempts }, 'claim push repeated: same claim number');
        return { claimNo: previous.claimNo, acceptedAt: new Date(previous.acceptedAt) };
      }
      const day = beijingDate(now);
      const seqKey = `${claim.tenant}|${claim.insurerId}|${day}`;
      const seq = (sequences.get(seqKey) ?? 0) + 1;
      sequences.set(seqKey, seq);
      const claimNo = `${claimPrefix(claim.insurerId)}-${day}-${String(seq).padStart(6, '0')}`;
      const record: RecordedPush = { ...claim, claimNo, acceptedAt: now, attempts: 1, lastPushedAt: now };
      byKey.set(key, record);
      records.set(claim.tenant, [...(records.get(claim.tenant) ?? []), record]);
      ctx.log.info(
        { plugin: 'insurer-dev', tenant: claim.tenant, caseId: claim.caseId, insurerId: claim.insurerId, plate: claim.plate, phone: maskPhone(claim.phone), claimNo },
        'claim accepted (development insurer)',
      );
      return { claimNo, acceptedAt: new Date(now) };
    },
    pushes(tenant) {
      return (records.get(tenant) ?? []).map(copy);
    },
  };
}

export const insurerDev = definePlugin({
  name: 'insurer-dev',
  port: 'insurer',
  create: (options, ctx) => createInsurerDev(options as InsurerDevOptions, ctx),
});

export default insurerDev;
