/**
 * A staffing plan: Erlang C per hour, and the simulator's measured service level for the same
 * inputs beside it. The simulation is set up as Erlang C's model so the two can be compared:
 * Poisson arrivals at the hour's rate, exponential handling with the given mean, callers who
 * never give up, every call into one brigade (one queue, FIFO) staffed with the formula's
 * seats, seats that pick up the moment they ring. It runs through the real API (the same
 * simulate library as `kuaichu simulate`, queue-only flow: no documents), so it also checks
 * that the ACD behaves like the textbook queue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simulate, findCity, openHoursOf } from '../simulate/index.ts';
import { seatsFor, type ErlangResult } from './erlangC.ts';
import { batchMeansError, mean } from './batchMeans.ts';

export interface StaffingInput {
  city: string;
  /** 24 rates (calls per hour, by local hour). */
  arrivalsPerHour: readonly number[];
  ahtSeconds: number;
  target: { share: number; seconds: number };
  /** Run the simulator with at least this many calls (0 = formula only). */
  simCases: number;
  seed?: number;
  log?: (line: string) => void;
  /** The simulation's progress (0–1 of the simulated period). */
  onProgress?: (done: number) => void;
}

export interface StaffingRow {
  /** Local hours [from, to) with the same inputs. */
  from: number;
  to: number;
  arrivalsPerHour: number;
  formula: ErlangResult;
  simulated: {
    calls: number;
    serviceLevel: number | null;
    /** Standard error of the simulated service level (batch means: waits of nearby calls are correlated). */
    standardError: number | null;
    asaSeconds: number | null;
  } | null;
}

export interface StaffingPlan {
  city: string;
  rows: StaffingRow[];
  /** Seat-hours a day. */
  seatHours: number;
  simulation: { days: number; calls: number; wallSeconds: number; requests: number } | null;
}

export async function staffingPlan(input: StaffingInput): Promise<StaffingPlan> {
  const city = findCity(input.city);
  const open = openHoursOf(city);
  const rates = input.arrivalsPerHour.map((r, h) => (open[h] ? r : 0));
  const perHour = rates.map((rate) => (rate > 0 ? seatsFor({ arrivalsPerHour: rate, ahtSeconds: input.ahtSeconds }, input.target) : null));

  // Hours with the same rate side by side are one row.
  const rows: StaffingRow[] = [];
  for (let h = 0; h < 24; h++) {
    const f = perHour[h];
    if (!f) continue;
    const last = rows[rows.length - 1];
    if (last && last.to === h && last.arrivalsPerHour === rates[h]) last.to = h + 1;
    else rows.push({ from: h, to: h + 1, arrivalsPerHour: rates[h]!, formula: f, simulated: null });
  }

  let simulation: StaffingPlan['simulation'] = null;
  const perDay = rates.reduce((a, b) => a + b, 0);
  if (input.simCases > 0 && perDay > 0) {
    const days = Math.ceil(input.simCases / perDay);
    const brigade = city.profile.routing.brigades[0]!;
    const roster = new Map(city.profile.routing.brigades.map((b) => [b.id, b === brigade ? perHour.map((f) => f?.seats ?? 0) : Array<number>(24).fill(0)]));
    input.log?.(`simulating ${days} day(s) of ${input.city} (${Math.round(perDay * days)} calls expected) into ${brigade.districts[0]} (${brigade.id}) …`);
    // The simulation's database is scratch: made in a temp folder and removed afterwards.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kuaichu-staffing-'));
    const r = await simulate({
      city: input.city, days, seed: input.seed ?? 1, analytics: false, flow: 'queue', dataDir,
      arrivalsPerHour: rates, districts: [brigade.districts[0]!], handling: { kind: 'exponential', meanSeconds: input.ahtSeconds },
      patience: null, roster, ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    }).finally(() => rmSync(dataDir, { recursive: true, force: true }));
    simulation = { days, calls: r.counts.answered, wallSeconds: r.wallSeconds, requests: r.requests };
    for (const row of rows) {
      const waits = r.waits.filter((w) => w.hour >= row.from && w.hour < row.to).map((w) => w.seconds);
      const within = waits.map((s) => (s <= input.target.seconds ? 1 : 0));
      row.simulated = {
        calls: waits.length,
        serviceLevel: waits.length ? mean(within) : null,
        standardError: batchMeansError(within),
        asaSeconds: waits.length ? mean(waits) : null,
      };
    }
  }
  const seatHours = rows.reduce((s, r) => s + r.formula.seats * (r.to - r.from), 0);
  return { city: input.city, rows, seatHours, simulation };
}
