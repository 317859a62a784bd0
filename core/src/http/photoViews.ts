/** The photo path's case as the wire shows it (http/photo-case.schema.json): to party A, party B, or staff. */
import type { CoreContext } from '../context.ts';
import type * as Wire from '../generated/types.ts';
import { casePhotos, shotProgress, type PartyRole, type PhotoCaseRecord } from '../photoPath/photoCase.ts';
import { determinationsRepo } from '../persistence/determinations.ts';
import { tenantDb } from '../context.ts';
import { maskIdNumber, maskPhone } from '../privacy/mask.ts';
import { caseSummary } from './views.ts';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export async function photoCaseView(ctx: CoreContext, r: PhotoCaseRecord, role: PartyRole | null): Promise<Wire.PhotoCase> {
  const { c, p, parties, items } = r;
  const city = ctx.cities.get(c.tenant);
  const d = await determinationsRepo.get(tenantDb(ctx, c.tenant), c.id);
  const myPhone = role === 'A' ? c.party_phone : role === 'B' ? c.party_b_phone : null;
  const shown = (phone: string) => (phone === myPhone ? phone : maskPhone(phone));
  return {
    ...caseSummary(c),
    role,
    report: c.report,
    decision: c.decision,
    shots: shotProgress(city, c, items),
    photos: casePhotos(items).map((x) => ({ ...x, url: `/api/photo-cases/${c.id}/files/${x.sha256}` })),
    invitedPhone: p ? shown(p.invited_phone) : null,
    parties: (['A', 'B'] as const).map((roleOf) => {
      const x = parties.find((y) => y.role === roleOf);
      const phone = roleOf === 'A' ? c.party_phone : (x?.phone ?? p?.invited_phone ?? '');
      return {
        role: roleOf, phone: phone ? shown(phone) : '', joined: !!x,
        // The other party's licence number is shown masked (the birth date hidden); one's own and staff's in full.
        details: x?.details ? (role && roleOf !== role ? { ...x.details, licence: { ...x.details.licence, number: maskIdNumber(x.details.licence.number) } } : x.details) : null,
        signedAt: iso(x?.signed_at), acknowledgedAt: iso(x?.acknowledged_at),
      };
    }),
    liability: p?.liability ?? null,
    online: p?.online ?? null,
    photoRequests: (p?.photo_requests ?? []).map((q) => {
      const asked: PartyRole[] = q.from === 'both' ? ['A', 'B'] : [q.from];
      const done = asked.every((a) => q.answered[a]);
      const last = asked.map((a) => q.answered[a]).filter(Boolean).sort().pop() ?? null;
      return { id: q.id, note: q.note, from: q.from, at: q.at, fulfilledAt: done ? last : null };
    }),
    document: d ? { kind: d.kind ?? 'determination', number: d.number, verifyCode: d.verify_code, issuedAt: new Date(d.issued_at).toISOString(), ready: !!d.document_sha256, pdf: `/api/cases/${c.id}/document.pdf` } : null,
  };
}
