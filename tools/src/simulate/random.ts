/**
 * Seeded randomness for the simulator: the same seed gives the same city day, so a run can be
 * repeated and a test can rely on it. xoshiro128** (small, fast, good statistics) seeded
 * through splitmix32.
 */

export class Random {
  #s: Uint32Array;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s = Uint32Array.from([next(), next(), next(), next()]);
  }

  /** Uniform in [0, 1). */
  next(): number {
    const s = this.#s;
    let [a, b, c, d] = [s[0]!, s[1]!, s[2]!, s[3]!];
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    s[0] = a; s[1] = b; s[2] = c; s[3] = d;
    return result / 2 ** 32;
  }

  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given mean and coefficient of variation (sd / mean). */
  lognormal(mean: number, cv: number): number {
    const sigma2 = Math.log(1 + cv * cv);
    return Math.exp(Math.log(mean) - sigma2 / 2 + Math.sqrt(sigma2) * this.normal());
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One of the items, with probability proportional to its weight. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A duration distribution (seconds), as configured on the command line. */
export interface Distribution {
  kind: 'exponential' | 'lognormal' | 'fixed';
  meanSeconds: number;
  /** Coefficient of variation for lognormal (default 0.5). */
  cv?: number;
}

export function draw(rng: Random, d: Distribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.meanSeconds;
    case 'exponential':
      return rng.exponential(d.meanSeconds);
    case 'lognormal':
      return rng.lognormal(d.meanSeconds, d.cv ?? 0.5);
  }
}

/** `5m`, `90s`, `1.5h`, `300` (seconds) → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a duration: "${text}" (say 90s, 5m or 1.5h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n / 1000 : unit === 'h' ? n * 3600 : unit === 's' ? n : n * 60;
}

/** `5m`, `exp:5m`, `lognormal:5m:0.4`, `fixed:60s` → a distribution (`fallback` kind when none is named). */
export function parseDistribution(text: string, fallback: Distribution['kind'] = 'lognormal'): Distribution {
  const parts = text.split(':');
  const kinds: Record<string, Distribution['kind']> = { exp: 'exponential', exponential: 'exponential', lognormal: 'lognormal', fixed: 'fixed' };
  const kind = parts.length > 1 ? kinds[parts[0]!] : fallback;
  if (!kind) throw new RangeError(`unknown distribution "${parts[0]}" (exp, lognormal or fixed)`);
  const meanSeconds = parseDuration(parts.length > 1 ? parts[1]! : parts[0]!);
  if (!(meanSeconds > 0)) throw new RangeError(`a mean must be > 0: "${text}"`);
  const cv = parts[2] !== undefined ? Number(parts[2]) : undefined;
  if (cv !== undefined && !(cv > 0)) throw new RangeError(`a coefficient of variation must be > 0: "${text}"`);
  return { kind, meanSeconds, ...(cv !== undefined ? { cv } : {}) };
}
