/**
 * The plugin host: builds each tenant's ports from its profile's `integrations`. A plugin
 * package declares the plugin names it provides in its package.json (`"kuaichu": { "plugins":
 * [...] }`); the host finds them under plugins/ and imports them by package name, so the core
 * has no compile-time dependency on any plugin and a new plugin needs no core change.
 */
import type { Clock } from '../clock.ts';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { CompiledCity } from '../policy/city.ts';
import type { KuaichuPlugin, PortMap, PortName } from '../ports/plugin.ts';
import type { PortDirectory } from '../context.ts';
import { Errors } from '../errors.ts';
import { repoRoot } from '../paths.ts';

/** Plugin name → the package that provides it. */
export function discoverPlugins(dir = path.join(repoRoot, 'plugins')): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const file = path.join(dir, name, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; kuaichu?: { plugins?: string[] } };
    for (const plugin of pkg.kuaichu?.plugins ?? []) out.set(plugin, pkg.name);
  }
  return out;
}

/** The default export of the package under plugins/ that provides plugin `name`; null when none does. */
export async function importPlugin<T>(name: string, packages = discoverPlugins()): Promise<T | null> {
  const pkg = packages.get(name);
  return pkg ? ((await import(pkg)) as { default: T }).default : null;
}

export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** The ports of every tenant; `load` (re)builds one tenant's from its profile when a published version goes live. */
export interface LivePortDirectory extends PortDirectory {
  load(city: CompiledCity): Promise<void>;
}

export async function loadPorts(cities: readonly CompiledCity[], opts: { env?: NodeJS.ProcessEnv; log: Log; packages?: Map<string, string>; clock?: Clock }): Promise<LivePortDirectory> {
  const packages = opts.packages ?? discoverPlugins();
  const byTenant = new Map<string, Partial<PortMap>>();
  const modules = new Map<string, KuaichuPlugin[]>();
  const build = async (city: CompiledCity): Promise<Partial<PortMap>> => {
    const ports: Partial<PortMap> = {};
    for (const integration of city.profile.integrations ?? []) {
      const pkg = packages.get(integration.plugin);
      if (!pkg) throw new Error(`${city.file}: no package under plugins/ provides plugin "${integration.plugin}" (declare it in package.json "kuaichu.plugins")`);
      if (!modules.has(pkg)) {
        const mod = (await import(pkg)) as { default: KuaichuPlugin | KuaichuPlugin[] };
        modules.set(pkg, Array.isArray(mod.default) ? mod.default : [mod.default]);
      }
      const plugin = modules.get(pkg)!.find((p) => p.name === integration.plugin);
      if (!plugin) throw new Error(`package ${pkg} does not export plugin "${integration.plugin}"`);
      if (ports[plugin.port]) continue; // the first integration of a port wins
      (ports as Record<string, unknown>)[plugin.port] = await plugin.create(integration.options ?? {}, { tenant: city.tenant, env: opts.env ?? process.env, log: opts.log, ...(opts.clock ? { clock: opts.clock } : {}) });
      opts.log.info({ tenant: city.tenant, plugin: plugin.name, port: plugin.port }, 'plugin ready');
    }
    return ports;
  };
  for (const city of cities) byTenant.set(city.tenant, await build(city));
  return {
    // Built in full before it replaces the old set, so a request never sees half a city's ports.
    load: async (city) => void byTenant.set(city.tenant, await build(city)),
    find: <P extends PortName>(tenant: string, port: P) => byTenant.get(tenant)?.[port] as PortMap[P] | undefined,
    get<P extends PortName>(tenant: string, port: P): PortMap[P] {
      const impl = byTenant.get(tenant)?.[port] as PortMap[P] | undefined;
      if (!impl) throw Errors.unavailable(`${tenant} has no ${port} integration`);
      return impl;
    },
  };
}
