/**
 * A city's district map for the dashboards: the boundary file the profile names
 * (`area.boundaries`, relative to the profile's folder), each feature marked with whether the
 * service covers it and which brigade takes its calls, plus the covered districts in the
 * profile's order. Built once per tenant and kept serialised, gzipped and with an ETag: a
 * boundary file is up to ~1 MB (Harbin) and changes only with a deploy.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CompiledCity } from '../policy/city.ts';
import { repoRoot } from '../paths.ts';

export interface CityGeoBody {
  json: string;
  gzip: Buffer;
  etag: string;
}

interface Feature {
  type: 'Feature';
  properties: Record<string, unknown> & { name: string };
  geometry: unknown;
}

export function cityGeoCache(): (city: CompiledCity) => CityGeoBody {
  const cache = new Map<string, CityGeoBody>();
  return (city) => {
    let body = cache.get(city.tenant);
    if (!body) {
      body = build(city);
      cache.set(city.tenant, body);
    }
    return body;
  };
}

function build(city: CompiledCity): CityGeoBody {
  const p = city.profile;
  // city.file is relative to the repo (or absolute for a profile folder elsewhere).
  const file = path.resolve(repoRoot, path.dirname(city.file), p.area.boundaries);
  const fc = JSON.parse(readFileSync(file, 'utf8')) as { type: 'FeatureCollection'; source?: string; license?: string; features: Feature[] };
  const features = fc.features.map((f) => ({
    ...f,
    properties: { ...f.properties, covered: city.included.has(f.properties.name), brigadeId: city.brigadeByDistrict.get(f.properties.name)?.id ?? null },
  }));
  const districts = p.area.include.map((name) => {
    const b = city.brigadeByDistrict.get(name)!;
    return { name, brigadeId: b.id, brigade: b.name, areaKm2: Math.round(city.districts.area(name) * 10) / 10 };
  });
  const json = JSON.stringify({
    tenant: city.tenant, city: p.city, timezone: p.timezone, districts,
    boundaries: { type: 'FeatureCollection', ...(fc.source ? { source: fc.source } : {}), ...(fc.license ? { license: fc.license } : {}), features },
  });
  return { json, gzip: gzipSync(json), etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"` };
}
