/**
 * Values into SQL text. ClickHouse 18.16 has no server-side query parameters, so every value
 * that reaches a query goes through one of these: strings are quoted with backslash escapes
 * (ClickHouse's string literal syntax), numbers must be finite, identifiers come from code.
 */
export function str(value: string): string {
  // ClickHouse string literals: backslash escapes; a NUL byte would end the literal in some paths.
  if (value.includes('\0')) throw new RangeError('a NUL byte cannot be used in a query value');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function num(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return String(value);
}

export function strList(values: readonly string[]): string {
  if (!values.length) throw new RangeError('an empty list cannot be used in a query');
  return `(${values.map(str).join(', ')})`;
}

const TSV_SPECIAL = /[\\\t\n\r]/;

/** One value of a TabSeparated row (chdb's bulk insert). */
export function tsv(value: string | number): string {
  if (typeof value === 'number') return num(value);
  if (!TSV_SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Rows as TabSeparated text, `columns` in order (a plain loop: this runs for every event). */
export function tsvRows(rows: readonly Record<string, string | number>[], columns: readonly string[]): string {
  let out = '';
  for (const r of rows) {
    let line = tsv(r[columns[0]!]!);
    for (let k = 1; k < columns.length; k++) line += '\t' + tsv(r[columns[k]!]!);
    out += line + '\n';
  }
  return out;
}
