/**
 * A problem found in a city profile, reported as `cities/harbin.yaml:12:5 service.hours[0].to:
 * must match HH:MM` — file, line and column in the YAML source, the data path, the message,
 * and a hint where one helps. A profile with any problem is rejected as a whole.
 */
import type { SchemaError } from '../schemas.ts';
import { formatPath, pointerToPath, type DataPath, type YamlSource } from './source.ts';

export interface Problem {
  file: string;
  line: number;
  col: number;
  /** Data path such as `service.hours[0].to`. */
  path: string;
  message: string;
  hint?: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col} ${p.path}: ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`;
}

/** Collects problems against one YAML source. */
/** The schema problems listed one by one; beyond these, a count. */
const MAX_SCHEMA_PROBLEMS = 50;

export class ProblemList {
  readonly items: Problem[] = [];
  constructor(
    readonly file: string,
    private readonly source: YamlSource | null,
  ) {}

  add(path: DataPath, message: string, hint?: string, opts: { key?: boolean } = {}): void {
    const pos = this.source ? this.source.position(path, opts) : { line: 1, col: 1 };
    this.items.push({ file: this.file, ...pos, path: formatPath(path), message, ...(hint ? { hint } : {}) });
  }

  addAt(line: number, col: number, message: string): void {
    this.items.push({ file: this.file, line, col, path: '(yaml)', message });
  }

  /** Adds ajv's errors for data found at `base` of the document, in plain words. */
  addSchemaErrors(errors: readonly SchemaError[] | null | undefined, base: DataPath = []): void {
    const all = dedupe(errors ?? []);
    // Each problem is placed by a walk of the document: 90,000 unknown keys would cost minutes
    // (issue 16, hostile profiles). An author fixes the first ones first anyway.
    for (const e of all.slice(0, MAX_SCHEMA_PROBLEMS)) {
      const path = [...base, ...pointerToPath(e.instancePath)];
      const { message, hint, key } = describe(e);
      this.add(key ? [...path, key] : path, message, hint, { key: Boolean(key) });
    }
    if (all.length > MAX_SCHEMA_PROBLEMS) this.add(base, `and ${all.length - MAX_SCHEMA_PROBLEMS} more problems of the schema, not listed`);
  }

  get ok(): boolean {
    return this.items.length === 0;
  }
}

/** ajv reports `anyOf`/`oneOf` branches separately; keep what an author can act on. */
function dedupe(errors: readonly SchemaError[]): SchemaError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function describe(e: SchemaError): { message: string; hint?: string; key?: string } {
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((parent.properties as Record<string, unknown>) ?? {});
      const near = closest(key, allowed);
      return { key, message: `unknown key "${key}"`, hint: near ? `did you mean "${near}"?` : `allowed keys: ${allowed.join(', ')}` };
    }
    case 'required':
      return { message: `missing required key "${(e.params as { missingProperty: string }).missingProperty}"` };
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const near = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      return { message: `must be one of: ${allowed.join(', ')}`, ...(near ? { hint: `did you mean "${near}"?` } : {}) };
    }
    case 'pattern': {
      const hint = parent['x-hint'];
      return typeof hint === 'string'
        ? { message: `must match ${hint}` }
        : { message: `must match the pattern ${(e.params as { pattern: string }).pattern}` };
    }
    case 'type':
      return { message: `must be ${(e.params as { type: string }).type}, not ${describeType(e.data)}` };
    case 'uniqueItems':
      return { message: `must not repeat items (items ${(e.params as { j: number; i: number }).j} and ${(e.params as { i: number }).i} are the same)` };
    default:
      return { message: e.message ?? e.keyword };
  }
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date (quote it to keep it text)';
  return typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`;
}

/** The allowed word nearest to a typo, if it is near enough to be a likely slip. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
