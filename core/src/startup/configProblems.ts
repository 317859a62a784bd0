/**
 * Everything wrong with a server's configuration, found before it serves anything and listed
 * at once, each with what to set: a bureau going live should not learn its mistakes one failed
 * start at a time (issue 17). In production a development driver is a problem too — it would
 * accept reports and send no SMS, check no licence — so the city must name a production adapter.
 */
import type { CompiledCity } from '../policy/city.ts';
import type { PluginCatalogue } from '../plugins/catalogue.ts';
import { parseTrustedProxies } from '../http/clientAddress.ts';

export interface ConfigProblem {
  /** What is wrong, naming the city, plugin or variable. */
  what: string;
  /** What to set or change. */
  fix: string;
}

/** Thrown by startCore when the configuration has problems; `problems` holds every one. */
export class ConfigurationError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(formatConfigProblems(problems));
    this.name = 'ConfigurationError';
  }
}

export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p, i) => `  ${String(i + 1).padStart(2)}. ${p.what}\n      → ${p.fix}`);
  return `kuaichu cannot start: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

/** A draft profile refuses every report (issue 17 B), so its integrations are not live yet. */
function isDraft(city: CompiledCity): boolean {
  return (city.profile as { status?: string }).status === 'draft';
}

/** Problems of the environment alone (before any database is opened). */
export function environmentProblems(env: NodeJS.ProcessEnv, production: boolean): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  try {
    parseTrustedProxies(env.KUAICHU_TRUSTED_PROXIES);
  } catch (err) {
    out.push({ what: (err as Error).message, fix: 'set KUAICHU_TRUSTED_PROXIES to addresses or CIDR ranges of your reverse proxies, comma-separated, or leave it unset' });
  }
  if (!production) return out;
  const secret = env.KUAICHU_DOCUMENT_SECRET;
  if (!secret) out.push({ what: 'KUAICHU_DOCUMENT_SECRET is not set (it signs the verification codes of e-determinations)', fix: 'set KUAICHU_DOCUMENT_SECRET to 32 random bytes, e.g. `openssl rand -hex 32`; keep it: codes already issued verify only with it' });
  else if (secret.length < 32) out.push({ what: `KUAICHU_DOCUMENT_SECRET is ${secret.length} characters long`, fix: 'use at least 32 characters, e.g. `openssl rand -hex 32`' });
  if (!env.KUAICHU_PUBLIC_URL) out.push({ what: 'KUAICHU_PUBLIC_URL is not set (the address printed under the QR code of every e-determination)', fix: 'set KUAICHU_PUBLIC_URL to the public https address of this server, e.g. https://kuaichu.example.gov.cn' });
  else if (!/^https:\/\//.test(env.KUAICHU_PUBLIC_URL)) out.push({ what: `KUAICHU_PUBLIC_URL is ${env.KUAICHU_PUBLIC_URL}, not an https address`, fix: 'set KUAICHU_PUBLIC_URL to the https address parties and insurers open' });
  if (env.KUAICHU_CLOCK === 'manual') out.push({ what: 'KUAICHU_CLOCK=manual is set (a clock tests set by HTTP)', fix: 'unset KUAICHU_CLOCK: production runs on the system clock' });
  return out;
}

/**
 * Problems of the cities this server would serve: plugins no package provides (always), and in
 * production development drivers of live (non-draft) cities and the secrets their options name.
 */
export function cityProblems(cities: readonly CompiledCity[], catalogue: PluginCatalogue, env: NodeJS.ProcessEnv, production: boolean): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const city of cities) {
    const where = `${city.tenant} (${city.file})`;
    for (const integration of city.profile.integrations ?? []) {
      const info = catalogue.get(integration.plugin);
      if (!info) {
        out.push({ what: `${where}: no package under plugins/ provides plugin "${integration.plugin}"`, fix: 'install the plugin package (its package.json lists the name under "kuaichu.plugins") or remove the integration' });
        continue;
      }
      if (!production || isDraft(city)) continue;
      if (info.development) {
        const adapters = catalogue.productionAdapters(info.name);
        out.push({
          what: `${where}: "${info.name}" is a development driver${info.port ? ` for the ${info.port} port` : ''}; it stands in for a real service and must not serve a bureau`,
          fix: adapters.length
            ? `replace \`plugin: ${info.name}\` with a production adapter: ${adapters.join(' or ')} (its options: schemas/plugins/${adapters[0]}.schema.json), then publish the profile`
            : `remove \`plugin: ${info.name}\`; no production adapter for ${info.port ?? 'it'} is installed yet`,
        });
        continue;
      }
      for (const [option, variable] of envOptions(integration.options ?? {})) {
        if (!env[variable]) out.push({ what: `${where}: ${info.name} reads its secret from ${variable} (option ${option}), which is not set`, fix: `set ${variable} in the server's environment (never in the profile)` });
      }
    }
  }
  return out;
}

/** The `…Env` options (nested too: insurer-webhook's `keys[].secretEnv`) as [option path, variable]. */
export function envOptions(options: unknown, at = ''): Array<[string, string]> {
  if (Array.isArray(options)) return options.flatMap((v, i) => envOptions(v, `${at}[${i}]`));
  if (!options || typeof options !== 'object') return [];
  return Object.entries(options).flatMap(([k, v]) => {
    const here = at ? `${at}.${k}` : k;
    return k.endsWith('Env') && typeof v === 'string' ? [[here, v] as [string, string]] : envOptions(v, here);
  });
}
