/**
 * What the plugin packages under plugins/ declare about themselves in package.json
 * (`"kuaichu": { "plugins": [...], "development": [...] }`): the plugins each provides, and
 * which of them are development drivers (they send, check and recognise nothing real). The
 * port a plugin implements is in its options schema (`x-kuaichu-port`), so the production
 * adapters for a development driver are the other plugins of its port.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.ts';
import { schemaRegistry, type SchemaRegistry } from '../schemas.ts';

export interface PluginInfo {
  name: string;
  /** The npm package that provides it. */
  pkg: string;
  development: boolean;
  /** The port from its options schema; undefined for process-wide plugins (bus, analytics, media). */
  port?: string;
}

export interface PluginCatalogue {
  get(name: string): PluginInfo | undefined;
  /** The plugins that can replace development driver `name` in production (same port, not development). */
  productionAdapters(name: string): string[];
}

export function pluginCatalogue(dir = path.join(repoRoot, 'plugins'), registry: SchemaRegistry = schemaRegistry()): PluginCatalogue {
  const byName = new Map<string, PluginInfo>();
  for (const folder of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const file = path.join(dir, folder, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; kuaichu?: { plugins?: string[]; development?: string[] } };
    const dev = new Set(pkg.kuaichu?.development ?? []);
    for (const name of pkg.kuaichu?.plugins ?? []) {
      const schema = registry.has(`plugins/${name}.schema.json`) ? (registry.ajv.getSchema(`plugins/${name}.schema.json`)?.schema as Record<string, unknown>) : undefined;
      const port = typeof schema?.['x-kuaichu-port'] === 'string' ? (schema['x-kuaichu-port'] as string) : undefined;
      byName.set(name, { name, pkg: pkg.name, development: dev.has(name), ...(port ? { port } : {}) });
    }
  }
  return {
    get: (name) => byName.get(name),
    productionAdapters(name) {
      const port = byName.get(name)?.port;
      if (!port) return [];
      return [...byName.values()].filter((p) => p.port === port && !p.development).map((p) => p.name);
    },
  };
}
