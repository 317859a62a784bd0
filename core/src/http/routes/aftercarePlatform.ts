/**
 * Routes of Yancheng's 云车通 platform services (issue 14), each only for tenants whose profile
 * lists the feature (409 KC_FEATURE_NOT_OFFERED otherwise):
 *  - injury direct-pay (人伤直赔): the officer issues the QR, the hospital scans it and bills, the
 *    insurer settles, the party and the officer read the status, the ledger totals;
 *  - one-key rescue (一键救援): the tow crew's positions, offers and marks; the party's request and map;
 *  - offline service points (线下服务点, platform.servicePoints): the nearest point for a refused or
 *    escalated party, and the district map it is shown on.
 * Partners (hospital, insurer, tow) are the partner principals of core/src/partners (CONTRACT-14).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { CoreContext } from '../../context.ts';
import { Errors } from '../../errors.ts';
import { requireRole, staffOf } from '../auth.ts';
import { caseGuards, caseIdParam, caseOf, idParams, type WithId } from './caseGuards.ts';
import { isUuid } from '../../cases/repository.ts';
import {
  billsOfCase, billsOfHospital, billsOfInsurer, issueVoucher, ledger, officerBillView, partnerBillView, recordTreatment, revokeVoucher, scanCode, settleBill,
  type IssueBody, type PartnerActor,
} from '../../directPay/directPay.ts';
import { cityGeoCache } from '../cityGeo.ts';
import { responseSchema } from '../responses.ts';
import { requireFeature } from '../../platform/features.ts';
import { referral } from '../../platform/servicePoints.ts';
import type { CompiledCity } from '../../policy/city.ts';
import { acceptRescue, declineRescue, markRescue, reportPosition, requestRescue, rescueOfCase, towJob } from '../../rescue/rescue.ts';

type PartnerKind = 'insurer' | 'hospital' | 'repair_shop' | 'tow' | 'mediator';

function partnerActor(req: FastifyRequest, kind: PartnerKind): PartnerActor {
  const p = req.principal;
  const partner = (p as { partner?: { id: string; orgId: string; orgKind: PartnerKind; orgCode: string | null } } | null)?.partner;
  if (!p) throw Errors.unauthenticated();
  if (!partner) throw Errors.forbidden(`this needs a ${kind} partner account`);
  if (partner.orgKind !== kind) throw Errors.forbidden(`this needs a ${kind} partner account`);
  return { tenant: p.tenant, id: partner.id, orgId: partner.orgId, orgCode: partner.orgCode };
}
const requirePartnerOf = (kind: PartnerKind): preHandlerHookHandler => async (req) => void partnerActor(req, kind);

/** The party of the case, or an officer or seat of its tenant (the visibleCase guard then loads it). */
const partyOrOfficer: preHandlerHookHandler = async (req) => {
  const p = req.principal;
  if (!p) throw Errors.unauthenticated();
  if (p.party && !p.staff) return;
  if (p.staff?.roles.some((r) => r === 'officer' || r === 'seat')) return;
  throw Errors.forbidden('this needs the party of the case, an officer or a seat');
};
const partyOnly: preHandlerHookHandler = async (req) => {
  const p = req.principal;
  if (!p) throw Errors.unauthenticated();
  if (!p.party || p.staff) throw Errors.forbidden('only the party of the case can ask for rescue');
};

const billIdParams = { type: 'object', required: ['billId'], properties: { billId: { type: 'string', maxLength: 64 } } } as const;
const rescueIdParams = { type: 'object', required: ['rescueId'], properties: { rescueId: { type: 'string', maxLength: 64 } } } as const;
const uuidOr404 = (key: string, err: () => Error): preHandlerHookHandler => async (req) => {
  if (!isUuid((req.params as Record<string, string>)[key] ?? '')) throw err();
};

const text = { type: 'string' } as const;
const nText = { type: ['string', 'null'] } as const;
const nInt = { type: ['integer', 'null'] } as const;
const local = { type: 'object', properties: { zh: text, en: text } } as const;
const billSchema = {
  type: 'object',
  properties: {
    id: text, caseId: text, caseNumber: text, status: { type: 'string', enum: ['issued', 'admitted', 'billed', 'settled', 'revoked'] },
    insurerId: text, insurer: local, hospital: nText, treatment: nText, amountFen: nInt,
    issuedAt: text, expiresAt: text, admittedAt: nText, billedAt: nText, settledAt: nText, settlementRef: nText,
    injuredName: text, injuredIdNumber: nText, injuredPhone: nText, code: text, qrUrl: text, qrSvg: text,
  },
} as const;
const billList = { type: 'array', items: billSchema } as const;
const ledgerSchema = {
  type: 'object',
  properties: { tenant: text, issued: { type: 'integer' }, admitted: { type: 'integer' }, billed: { type: 'integer' }, settled: { type: 'integer' }, advancedFen: { type: 'integer' }, settledFen: { type: 'integer' }, outstandingFen: { type: 'integer' } },
} as const;
const num = { type: 'number' } as const;
const nNum = { type: ['number', 'null'] } as const;
const rescueSchema = {
  type: ['object', 'null'],
  properties: {
    id: text, caseId: text, workOrderNo: text, status: text, lng: num, lat: num,
    insurer: { type: ['object', 'null'], properties: { id: text, zh: text, en: text } }, insurerReportNo: nText,
    requestedAt: text, acceptedAt: nText, arrivedAt: nText, completedAt: nText,
    vehicle: { type: ['object', 'null'], properties: { plate: text, company: text, crew: text, lng: num, lat: num, positionAt: text } },
    distanceKm: nNum, etaMinutes: nInt,
  },
} as const;
const towJobSchema = {
  type: 'object',
  properties: {
    vehicle: { type: ['object', 'null'], properties: { id: text, plate: text, status: text, lng: num, lat: num, positionAt: text } },
    job: { type: ['object', 'null'], properties: { id: text, workOrderNo: text, caseNumber: text, status: text, offerExpiresAt: nText, lng: num, lat: num, distanceKm: num } },
  },
} as const;
/** Any WGS-84 position: a refused report may lie outside every city. */
const wgs84 = { lng: { type: 'number', minimum: -180, maximum: 180 }, lat: { type: 'number', minimum: -90, maximum: 90 } } as const;
function requireServicePoints(city: CompiledCity): void {
  if (!city.profile.platform?.servicePoints?.length) throw Errors.featureNotOffered(`${city.tenant} lists no offline service points (platform.servicePoints of its profile)`);
}
const point = { lng: { type: 'number', minimum: 73, maximum: 136 }, lat: { type: 'number', minimum: 3, maximum: 54 } } as const;

export async function aftercarePlatformRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const guards = caseGuards(app);
  const officer = requireRole('officer');
  const hospital = requirePartnerOf('hospital');
  const insurer = requirePartnerOf('insurer');
  const tow = requirePartnerOf('tow');
  const badBill = () => Errors.notFound('no such direct-pay bill');

  // ——— 人伤直赔 injury direct-pay ———
  app.post<WithId & { Body: IssueBody }>('/api/cases/:id/direct-pay', {
    preHandler: [officer, caseIdParam],
    schema: {
      tags: ['direct-pay'], summary: '人伤直赔: the officer issues a single-use QR code for the injured party of a minor-injury case', params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['injuredName', 'insurerId'], properties: {
        injuredName: { type: 'string', minLength: 1, maxLength: 40 }, injuredIdNumber: { type: 'string', pattern: '^[0-9]{17}[0-9Xx]$' },
        injuredPhone: { type: 'string', pattern: '^1[3-9][0-9]{9}$' }, insurerId: { type: 'string', minLength: 1, maxLength: 40 },
      } },
      response: { 201: billSchema },
    },
  }, async (req, reply) => {
    const s = staffOf(req);
    const b = await issueVoucher(ctx, s.tenant, req.params.id, s.id, req.body);
    return reply.status(201).send(await officerBillView(ctx, b));
  });

  app.post<{ Params: { id: string; billId: string } }>('/api/cases/:id/direct-pay/:billId/revoke', {
    preHandler: [officer, caseIdParam, uuidOr404('billId', badBill)],
    schema: {
      tags: ['direct-pay'], summary: '人伤直赔: the officer withdraws a voucher no hospital has scanned yet (its code is refused from then on)',
      params: { type: 'object', required: ['id', 'billId'], properties: { id: { type: 'string', maxLength: 64 }, billId: { type: 'string', maxLength: 64 } } },
      body: { type: ['object', 'null'], additionalProperties: false, properties: {} },
      response: { 200: billSchema },
    },
  }, async (req) => {
    const s = staffOf(req);
    const b = await revokeVoucher(ctx, s.tenant, req.params.id, req.params.billId, s.id);
    req.log.info({ caseId: req.params.id, billId: b.id, officer: s.id }, 'direct-pay voucher revoked');
    return officerBillView(ctx, b);
  });

  app.get<WithId>('/api/cases/:id/direct-pay', {
    preHandler: [partyOrOfficer, caseIdParam, guards.visibleCase],
    schema: { tags: ['direct-pay'], summary: 'The case’s direct-pay vouchers and bills (the party and the officer)', params: idParams, response: { 200: billList } },
  }, async (req) => {
    const c = caseOf(req);
    const bills = await billsOfCase(ctx, c.tenant, c.id);
    return Promise.all(bills.map((b) => officerBillView(ctx, b)));
  });

  app.get('/api/direct-pay/ledger', {
    preHandler: requireRole('officer', 'admin', 'analyst'),
    schema: { tags: ['direct-pay'], summary: 'The tenant’s direct-pay ledger: advanced and settled totals (fen)', response: { 200: ledgerSchema } },
  }, async (req) => ledger(ctx, staffOf(req).tenant));

  app.post<{ Body: { code: string } }>('/api/hospital/direct-pay/scan', {
    preHandler: hospital,
    schema: { tags: ['direct-pay'], summary: 'The hospital scans (or types) the QR code: the voucher is taken for this hospital',
      body: { type: 'object', additionalProperties: false, required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 64 } } }, response: { 200: billSchema } },
  }, async (req) => partnerBillView(ctx, await scanCode(ctx, partnerActor(req, 'hospital'), req.body.code)));

  app.get('/api/hospital/direct-pay', {
    preHandler: hospital, schema: { tags: ['direct-pay'], summary: 'The bills of this hospital', response: { 200: billList } },
  }, async (req) => (await billsOfHospital(ctx, partnerActor(req, 'hospital'))).map((b) => partnerBillView(ctx, b)));

  app.post<{ Params: { billId: string }; Body: { treatment: string; amountFen: number } }>('/api/hospital/direct-pay/:billId/treatment', {
    preHandler: [hospital, uuidOr404('billId', badBill)],
    schema: { tags: ['direct-pay'], summary: 'The hospital records the treatment and the amount it advanced', params: billIdParams,
      body: { type: 'object', additionalProperties: false, required: ['treatment', 'amountFen'], properties: {
        treatment: { type: 'string', minLength: 1, maxLength: 500 }, amountFen: { type: 'integer', minimum: 1, maximum: 100_000_000 },
      } }, response: { 200: billSchema } },
  }, async (req) => partnerBillView(ctx, await recordTreatment(ctx, partnerActor(req, 'hospital'), req.params.billId, req.body.treatment, req.body.amountFen)));

  app.get('/api/insurer/direct-pay', {
    preHandler: insurer, schema: { tags: ['direct-pay'], summary: 'The direct-pay bills naming this insurer', response: { 200: billList } },
  }, async (req) => (await billsOfInsurer(ctx, partnerActor(req, 'insurer'))).map((b) => partnerBillView(ctx, b)));

  app.post<{ Params: { billId: string }; Body: { settlementRef?: string } }>('/api/insurer/direct-pay/:billId/settle', {
    preHandler: [insurer, uuidOr404('billId', badBill)],
    schema: { tags: ['direct-pay'], summary: 'The insurer settles a bill of its own', params: billIdParams,
      body: { type: 'object', additionalProperties: false, properties: { settlementRef: { type: 'string', minLength: 1, maxLength: 64 } } }, response: { 200: billSchema } },
  }, async (req) => partnerBillView(ctx, await settleBill(ctx, partnerActor(req, 'insurer'), req.params.billId, req.body?.settlementRef)));

  // ——— 一键救援 one-key rescue ———
  // The map of the rescue (the party's and the tow crew's): the same district map data the dashboard reads (cityGeo.ts).
  const geo = cityGeoCache();
  const mapResponses = { 200: responseSchema('http/analytics-geo.schema.json'), 304: { type: 'null', description: 'Not modified (ETag)' } } as const;
  /** The signed-in principal's city map, once `allowed` passed for the city (a feature of its platform). */
  async function cityMap(req: FastifyRequest, reply: FastifyReply, allowed: (city: CompiledCity) => void) {
    const p = req.principal;
    if (!p) throw Errors.unauthenticated();
    const city = ctx.cities.get(p.tenant);
    allowed(city);
    const body = geo(city);
    reply.header('etag', body.etag).header('cache-control', 'private, max-age=3600');
    if (req.headers['if-none-match'] === body.etag) return reply.status(304).send();
    return reply.type('application/json; charset=utf-8').send(body.json);
  }
  app.get('/api/rescue/map', {
    schema: { tags: ['rescue'], summary: "The city's districts (GeoJSON) for the rescue map of the party and the tow crew", response: mapResponses },
  }, (req, reply) => cityMap(req, reply, (city) => requireFeature(city, 'one_key_rescue')));

  app.post<WithId & { Body: { lng: number; lat: number; insurerId?: string } }>('/api/cases/:id/rescue', {
    preHandler: [partyOnly, caseIdParam, guards.visibleCase],
    schema: { tags: ['rescue'], summary: '一键救援: the party asks for a tow; the nearest available vehicle is offered the job', params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['lng', 'lat'], properties: { ...point, insurerId: { type: 'string', minLength: 1, maxLength: 40 } } },
      response: { 201: rescueSchema } },
  }, async (req, reply) => {
    const c = caseOf(req);
    await requestRescue(ctx, c.tenant, c.id, req.body);
    return reply.status(201).send(await rescueOfCase(ctx, c.tenant, c.id));
  });

  app.get<WithId>('/api/cases/:id/rescue', {
    preHandler: [partyOrOfficer, caseIdParam, guards.visibleCase],
    schema: { tags: ['rescue'], summary: 'The case’s rescue: crew, vehicle position, distance and estimated arrival (null when none)', params: idParams, response: { 200: rescueSchema } },
  }, async (req) => {
    const c = caseOf(req);
    return rescueOfCase(ctx, c.tenant, c.id);
  });

  app.post<{ Body: { plate: string; lng: number; lat: number; available: boolean } }>('/api/tow/position', {
    preHandler: tow,
    schema: { tags: ['rescue'], summary: 'The tow crew page reports its vehicle’s position (browser geolocation); answers with its offer or job',
      body: { type: 'object', additionalProperties: false, required: ['plate', 'lng', 'lat', 'available'], properties: { ...point, plate: { type: 'string', minLength: 5, maxLength: 10 }, available: { type: 'boolean' } } },
      response: { 200: towJobSchema } },
  }, async (req) => reportPosition(ctx, partnerActor(req, 'tow'), req.body));

  app.get('/api/tow/job', {
    preHandler: tow, schema: { tags: ['rescue'], summary: 'The crew’s vehicle and the job offered to it or held by it', response: { 200: towJobSchema } },
  }, async (req) => towJob(ctx, partnerActor(req, 'tow')));

  // ——— 线下服务点 offline service points ———
  // The nearest is the server's decision (core/src/platform/servicePoints.ts); the app only draws it.
  const referralResponse = { 200: responseSchema('http/service-point-referral.schema.json'), 409: responseSchema('http/error.schema.json') } as const;
  app.get('/api/service-points/map', {
    schema: { tags: ['service-points'], summary: "The city's districts (GeoJSON) for the map of its offline service points", response: mapResponses },
  }, (req, reply) => cityMap(req, reply, requireServicePoints));

  // A question like the pre-check (POST /api/cities/:tenant/check): nothing is stored; a body, as the query string is not coerced to numbers.
  app.post<{ Body: { lng: number; lat: number } }>('/api/service-points/nearest', {
    preHandler: partyOrOfficer,
    schema: { tags: ['service-points'], summary: 'A refused party (no case yet): the service points of its city, the nearest to the reported place first (nothing is stored)',
      body: { type: 'object', additionalProperties: false, required: ['lng', 'lat'], properties: wgs84 }, response: referralResponse },
  }, async (req) => {
    const city = ctx.cities.get(req.principal!.tenant);
    requireServicePoints(city);
    return referral(city, { lng: req.body.lng, lat: req.body.lat })!;
  });

  app.get<WithId>('/api/cases/:id/service-points', {
    preHandler: [partyOrOfficer, caseIdParam, guards.visibleCase],
    schema: { tags: ['service-points'], summary: 'The service points for a case not settled remotely (refused, escalated on site), the nearest to its place first', params: idParams, response: referralResponse },
  }, async (req) => {
    const c = caseOf(req);
    const city = ctx.cities.get(c.tenant);
    requireServicePoints(city);
    return referral(city, c.report.location)!;
  });

  const notMine = () => Errors.notFound('no such rescue for your vehicle');
  for (const [step, run] of [
    ['accept', (a: PartnerActor, id: string) => acceptRescue(ctx, a, id)],
    ['decline', (a: PartnerActor, id: string) => declineRescue(ctx, a, id)],
    ['arrived', (a: PartnerActor, id: string) => markRescue(ctx, a, id, 'arrived')],
    ['completed', (a: PartnerActor, id: string) => markRescue(ctx, a, id, 'completed')],
  ] as const) {
    app.post<{ Params: { rescueId: string } }>(`/api/tow/rescues/:rescueId/${step}`, {
      preHandler: [tow, uuidOr404('rescueId', notMine)],
      schema: { tags: ['rescue'], summary: `The tow crew: ${step}`, params: rescueIdParams, response: { 200: towJobSchema } },
    }, async (req) => run(partnerActor(req, 'tow'), req.params.rescueId));
  }
}
