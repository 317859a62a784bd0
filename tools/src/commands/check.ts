/**
 * `kuaichu check`: one report against one city, the decision as JSON on stdout.
 * Omitted flags take the benign answer (no injury, the city's first channel, all insured,
 * movable, owner present, no disqualifier), so a flag changes exactly one thing.
 * Exit 0 eligible, 3 not eligible, 1 bad input.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { citiesDir } from '@kuaichu/core/paths';
import { fixedClock, systemClock } from '@kuaichu/core/clock';
import { evaluate } from '@kuaichu/core/policy';
import { loadProfiles, formatProblem } from '@kuaichu/core/profile';
import type { AccidentReport, ChannelId, Disqualifier } from '@kuaichu/core/generated/types.ts';
import type { Io } from '../io.ts';
import { number, oneOf, parseFlags, UsageError, yesNo } from '../args.ts';

const KINDS = ['motor_motor', 'motor_non_motor', 'single_vehicle'] as const;
const INJURIES = ['none', 'minor', 'serious', 'death'] as const;
const CHANNELS: readonly ChannelId[] = ['app12123', 'wechat_miniprogram', 'wechat_official_account', 'sms_link_110', 'video_phone', 'web'];
const DISQUALIFIERS: Record<string, Disqualifier> = {
  drink: 'drink_driving', drink_driving: 'drink_driving',
  drugs: 'drug_driving', drug_driving: 'drug_driving',
  hit_and_run: 'hit_and_run', dangerous_goods: 'dangerous_goods', intentional: 'intentional',
  evidence_tampering: 'evidence_tampering', overload_or_speeding: 'overload_or_speeding', insists_on_police: 'insists_on_police',
};

export async function checkCommand(args: string[], io: Io): Promise<number> {
  const { values: f } = parseFlags(args, {
    city: { type: 'string' },
    at: { type: 'string' },
    lng: { type: 'string' },
    lat: { type: 'string' },
    type: { type: 'string' },
    injury: { type: 'string' },
    channel: { type: 'string' },
    insured: { type: 'string' },
    movable: { type: 'string' },
    'owner-present': { type: 'string' },
    'licences-valid': { type: 'string' },
    parties: { type: 'string' },
    disqualifier: { type: 'string', multiple: true },
  });
  for (const required of ['city', 'lng', 'lat', 'type'] as const) if (f[required] === undefined) throw new UsageError(`--${required} is required`);

  const file = path.join(citiesDir, `${f.city}.yaml`);
  if (!/^[a-z][a-z0-9-]*$/.test(f.city!) || !existsSync(file)) throw new UsageError(`no city "${f.city}" (no file cities/${f.city}.yaml)`);
  const { cities, rejected } = loadProfiles([file]);
  if (rejected.length || !cities[0]) {
    for (const p of rejected.flatMap((r) => r.problems)) io.err(formatProblem(p));
    throw new UsageError(`the profile of ${f.city} is invalid; run \`kuaichu validate\``);
  }

  let clock = systemClock;
  if (f.at !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(f.at)) throw new UsageError(`--at must be an ISO 8601 time with offset, such as 2026-06-01T10:00:00+08:00, not "${f.at}"`);
    clock = fixedClock(f.at);
  }
  const lng = number('lng', f.lng)!;
  const lat = number('lat', f.lat)!;
  if (lng < -180 || lng > 180) throw new UsageError('--lng must be between -180 and 180');
  if (lat < -90 || lat > 90) throw new UsageError('--lat must be between -90 and 90');

  const disqualifiers = (f.disqualifier ?? []).map((d) => {
    const known = DISQUALIFIERS[d];
    if (!known) throw new UsageError(`--disqualifier must be one of ${Object.keys(DISQUALIFIERS).join('|')}, not "${d}"`);
    return known;
  });
  const parties = number('parties', f.parties);
  if (parties !== undefined && (!Number.isInteger(parties) || parties < 1)) throw new UsageError('--parties must be a whole number ≥ 1');

  const report: AccidentReport = {
    location: { lng, lat },
    kind: oneOf('type', f.type, KINDS)!,
    injury: oneOf('injury', f.injury, INJURIES) ?? 'none',
    insured: oneOf('insured', f.insured, ['all', 'none', 'motor_only'] as const) ?? 'all',
    movable: yesNo('movable', f.movable) ?? true,
    ownerPresent: yesNo('owner-present', f['owner-present']) ?? true,
    licencesValid: yesNo('licences-valid', f['licences-valid']) ?? true,
    ...(f.channel !== undefined ? { channel: oneOf('channel', f.channel, CHANNELS)! } : {}),
    ...(parties !== undefined ? { parties } : {}),
    ...(disqualifiers.length ? { disqualifiers: [...new Set(disqualifiers)] } : {}),
  };
  const decision = evaluate(cities[0], report, clock);
  io.out(JSON.stringify(decision, null, 2));
  return decision.eligible ? 0 : 3;
}
