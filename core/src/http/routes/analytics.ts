/**
 * The analysts' API (数据分析): metrics as JSON and CSV, and the city's district map.
 *
 * Which cities a caller sees comes from the session, never from the query: an `analyst`
 * sees their own city, and naming another in `tenants` is refused with 403 (not silently
 * ignored, so a dashboard bug cannot pass for "no data"). A `provincial_analyst` (a staff
 * record of one tenant) sees the cities whose profiles name the same province as that tenant's,
 * or those of them named in `tenants`; a city outside the province is 403 too, an unknown one
 * 404. Every other role, and a party, gets 403; nobody signed in gets 401.
 *
 * The analytics store is opened by startCore after the app is built, so it is read from the
 * context per request; when it is off (KUAICHU_ANALYTICS=off) the routes answer 503
 * KC_ANALYTICS_OFF.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CoreContext } from '../../context.ts';
import type { AnalyticsGeoQuery, AnalyticsMetrics, AnalyticsQuery } from '../../generated/types.ts';
import type { AnalyticsPort, MetricFilters, MetricGroup, MetricsResult } from '../../ports/analytics.ts';
import { Errors } from '../../errors.ts';
import { localMidnightUtc } from '../../policy/localTime.ts';
import { citiesOfProvince } from '../../policy/province.ts';
import { requireRole, staffOf } from '../auth.ts';
import { metricsCsv } from '../metricsCsv.ts';
import { cityGeoCache } from '../cityGeo.ts';
import { responseSchema } from '../responses.ts';
import { staffNames } from '../../auth/staffAccounts.ts';

type Staff = ReturnType<typeof staffOf>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function analyticsRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  const analyst = requireRole('analyst', 'provincial_analyst');
  const geo = cityGeoCache();
  const querystring = { $ref: 'http/analytics-query.schema.json#' };

  app.get<{ Querystring: AnalyticsQuery }>('/api/analytics/metrics', {
    preHandler: analyst,
    schema: { tags: ['analytics'], summary: 'Metrics of the cases reported in a period, in total and by a breakdown (your city; several for a provincial analyst)', querystring, response: { 200: responseSchema('http/analytics-metrics.schema.json') } },
  }, async (req, reply) => {
    const body = await metrics(ctx, staffOf(req), req.query);
    return reply.header('cache-control', 'private, no-store').send(body);
  });

  app.get<{ Querystring: AnalyticsQuery }>('/api/analytics/metrics.csv', {
    preHandler: analyst,
    schema: { tags: ['analytics'], summary: 'The same metrics as CSV (UTF-8 with BOM, one row per group and a total row), as a download', querystring, produces: ['text/csv'] },
  }, async (req, reply) => {
    const m = await metrics(ctx, staffOf(req), req.query);
    const day = (iso: string | null) => (iso ? iso.slice(0, 10) : 'all');
    const name = `kuaichu-metrics-${m.tenants.join('+')}-${m.groupBy}-${day(m.from)}-${day(m.to)}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'private, no-store')
      .send(metricsCsv(m.groupBy, m.groups, m.total));
  });

  app.get<{ Querystring: AnalyticsGeoQuery }>('/api/analytics/geo', {
    preHandler: analyst,
    schema: { tags: ['analytics'], summary: "The city's districts and boundary map (GeoJSON) for the dashboard; ETag, If-None-Match → 304", querystring: { $ref: 'http/analytics-geo-query.schema.json#' }, response: { 200: responseSchema('http/analytics-geo.schema.json') } },
  }, async (req, reply) => {
    const staff = staffOf(req);
    const [tenant] = scope(ctx, staff, req.query.tenant);
    return sendGeo(req, reply, geo(ctx.cities.get(tenant!)));
  });
}

/** The tenants this caller may see for the `tenants` asked for. */
function scope(ctx: CoreContext, staff: Staff, asked: string | undefined): string[] {
  const wanted = asked ? [...new Set(asked.split(','))] : null;
  if (!staff.roles.includes('provincial_analyst')) {
    const others = (wanted ?? []).filter((t) => t !== staff.tenant);
    if (others.length) throw Errors.forbidden(`an analyst sees only the figures of their own city (${staff.tenant}); cities of a province need the provincial_analyst role`, { tenant: staff.tenant, asked: others });
    return [staff.tenant];
  }
  const province = citiesOfProvince(ctx.cities.all(), staff.tenant);
  if (!wanted) return province;
  for (const t of wanted) if (!ctx.cities.has(t)) throw Errors.tenantNotFound(`no city "${t}"`, { served: ctx.cities.all().map((c) => c.tenant).sort() });
  const outside = wanted.filter((t) => !province.includes(t));
  if (outside.length) throw Errors.forbidden(`a provincial analyst sees only the cities of their province (${ctx.cities.get(staff.tenant).profile.province}: ${province.join(', ')})`, { province, asked: outside });
  return wanted;
}

function store(ctx: CoreContext): AnalyticsPort {
  if (!ctx.analytics) throw Errors.analyticsOff('analytics is switched off on this server (KUAICHU_ANALYTICS=off, or no analytics plugin installed): there are no metrics to show');
  return ctx.analytics;
}

async function metrics(ctx: CoreContext, staff: Staff, q: AnalyticsQuery): Promise<AnalyticsMetrics & { groupBy: MetricGroup }> {
  const tenants = scope(ctx, staff, q.tenants);
  const analytics = store(ctx);
  const timezone = ctx.cities.get(tenants[0]!).profile.timezone;
  const from = instant('from', q.from, timezone, 0);
  const to = instant('to', q.to, timezone, 1);
  if (from && to && from >= to) throw Errors.validation('from must be before to', { from, to });
  const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  const filters: MetricFilters = {
    ...(from ? { from } : {}), ...(to ? { to } : {}),
    ...(list(q.districts) ? { districts: list(q.districts)! } : {}),
    ...(list(q.channels) ? { channels: list(q.channels)! } : {}),
    ...(list(q.kinds) ? { kinds: list(q.kinds)! } : {}),
    ...(list(q.seats) ? { seats: list(q.seats)! } : {}),
    groupBy: q.groupBy ?? 'none',
  };
  const r: MetricsResult = tenants.length === 1 ? await analytics.queryMetrics(tenants[0]!, filters) : await analytics.queryMetricsAcross(tenants, filters);
  const label = await labeller(ctx, tenants, r);
  return {
    tenants: r.tenants, groupBy: r.groupBy, from: from ?? null, to: to ?? null,
    targets: Object.fromEntries(tenants.map((t) => {
      const targets = ctx.cities.get(t).profile.targets;
      return [t, { answerWithinSeconds: targets?.answerWithinSeconds ?? 30, answerShare: targets?.answerShare ?? null, handlingMinutes: targets?.handlingMinutes ?? null }];
    })),
    total: r.total,
    groups: r.groups.map((g) => ({ ...g, label: label(g.key) })),
  };
}

/** A date is a whole local day (`to` = its end); a date-time is taken as given. */
function instant(name: string, value: string | undefined, timeZone: string, dayOffset: number): string | undefined {
  if (!value) return undefined;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  // A calendar day only: Date.UTC would roll 2026-13-45 over into 2027 without a word.
  if (date && new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!)).toISOString().slice(0, 10) !== value) throw Errors.validation(`${name}: not a calendar date: ${value}`);
  const ms = date ? localMidnightUtc({ year: +date[1]!, month: +date[2]!, day: +date[3]! }, timeZone, dayOffset).getTime() : Date.parse(value.replace(' ', 'T'));
  if (!Number.isFinite(ms)) throw Errors.validation(`${name}: not a date or date-time: ${value}`);
  return new Date(ms).toISOString();
}

/** Names to show beside the keys the store groups by: seat names, brigade and city names, 08:00. */
async function labeller(ctx: CoreContext, tenants: readonly string[], r: MetricsResult): Promise<(key: string | number) => string> {
  const cities = tenants.map((t) => ctx.cities.get(t).profile);
  switch (r.groupBy) {
    case 'hour':
      return (k) => `${String(k).padStart(2, '0')}:00`;
    case 'city':
      return (k) => cities.find((c) => c.tenant === k)?.city.zh ?? String(k);
    case 'brigade': {
      const names = new Map(cities.flatMap((c) => c.routing.brigades.map((b) => [b.id, b.name.zh] as const)));
      return (k) => names.get(String(k)) ?? String(k);
    }
    case 'kind': {
      const names = new Map(cities.flatMap((c) => c.eligibility.accidentTypes.map((a) => [a.kind as string, a.label?.zh ?? a.kind] as const)).reverse());
      return (k) => names.get(String(k)) ?? String(k);
    }
    case 'channel': {
      const names = new Map(cities.flatMap((c) => c.channels.map((ch) => [ch.id as string, ch.name.zh] as const)).reverse());
      return (k) => names.get(String(k)) ?? String(k);
    }
    case 'seat': {
      // Seat keys are staff ids; names come from the staff of the cities in view only.
      const ids = r.groups.map((g) => String(g.key)).filter((k) => UUID.test(k));
      const rows = await staffNames(ctx, tenants, ids);
      const names = new Map(rows.map((s) => [s.id, `${s.display_name} (${s.username})`]));
      return (k) => names.get(String(k)) ?? (k === '' ? '(no seat)' : String(k));
    }
    default:
      return (k) => String(k);
  }
}

function sendGeo(req: FastifyRequest, reply: FastifyReply, body: { json: string; gzip: Buffer; etag: string }) {
  reply.header('etag', body.etag).header('cache-control', 'private, max-age=3600').header('vary', 'accept-encoding');
  if (req.headers['if-none-match'] === body.etag) return reply.status(304).send();
  reply.type('application/json; charset=utf-8');
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(body.gzip);
  return reply.send(body.json);
}
