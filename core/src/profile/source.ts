/**
 * A YAML document that remembers where every value came from, so a problem found in the
 * parsed data (by the schema or by a semantic check) can be reported at its line and column.
 */
import { isMap, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair } from 'yaml';

export type DataPath = ReadonlyArray<string | number>;

export interface Position {
  line: number;
  col: number;
}

export interface YamlSyntaxProblem extends Position {
  message: string;
}

export class YamlSource {
  readonly #doc: Document;
  readonly #lines: LineCounter;

  private constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc;
    this.#lines = lines;
  }

  static parse(text: string): { source: YamlSource; syntaxErrors: YamlSyntaxProblem[] } {
    const lines = new LineCounter();
    // yaml's own unique-key check compares every key with every other (30,000 keys: 10 s of one
    // core); duplicates are found below with a set per map instead (issue 16, hostile profiles).
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: true });
    const syntaxErrors = [...doc.errors, ...doc.warnings].map((e) => ({
      line: e.linePos?.[0].line ?? 1,
      col: e.linePos?.[0].col ?? 1,
      message: e.message.split('\n')[0] ?? e.message,
    }));
    const source = new YamlSource(doc, lines);
    if (!syntaxErrors.length) syntaxErrors.push(...source.#duplicateKeys());
    return { source, syntaxErrors };
  }

  /** Keys repeated within one map, each at its second appearance (a walk with its own stack: nesting may be deep). */
  #duplicateKeys(): YamlSyntaxProblem[] {
    const out: YamlSyntaxProblem[] = [];
    const stack: unknown[] = [this.#doc.contents];
    while (stack.length) {
      const node = stack.pop();
      if (isMap(node)) {
        const seen = new Set<string>();
        for (const pair of node.items) {
          const key = keyOf(pair);
          if (seen.has(key)) {
            const lp = this.#lines.linePos((pair.key as Node | null)?.range?.[0] ?? 0);
            out.push({ line: lp.line, col: lp.col, message: `Map keys must be unique: "${key.slice(0, 60)}" appears again` });
          }
          seen.add(key);
          stack.push(pair.value);
        }
      } else if (isSeq(node)) stack.push(...node.items);
    }
    return out;
  }

  /**
   * The plain data (dates and numbers as YAML's core schema gives them), or where an alias bomb
   * starts: more than 100 aliases expanded is refused as a problem at the first alias, not thrown.
   */
  toJS(): { ok: true; data: unknown } | { ok: false; problem: YamlSyntaxProblem } {
    try {
      return { ok: true, data: this.#doc.toJS({ maxAliasCount: 100 }) };
    } catch (err) {
      let at = 0;
      visit(this.#doc, { Alias: (_, node) => ((at = node.range?.[0] ?? 0), visit.BREAK) });
      const lp = this.#lines.linePos(at);
      return { ok: false, problem: { line: lp.line, col: lp.col, message: `${(err as Error).message} (aliases expand to more than 100 copies)` } };
    }
  }

  /**
   * Where a path points: the value's node, or for a missing key the map that should hold it.
   * With `key: true` it points at the key itself (for "unknown key" problems).
   */
  position(path: DataPath, opts: { key?: boolean } = {}): Position {
    let node: unknown = this.#doc.contents;
    let best: Node | Pair | null = (node as Node | null) ?? null;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => keyOf(p) === String(seg));
        if (!pair) break;
        if (last && opts.key) {
          best = pair.key as Node;
          break;
        }
        best = (pair.value as Node | null) ?? (pair.key as Node);
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        best = item;
        node = item;
      } else break;
    }
    const offset = (best as Node | null)?.range?.[0] ?? 0;
    const lp = this.#lines.linePos(offset);
    return { line: lp.line, col: lp.col };
  }
}

function keyOf(pair: Pair): string {
  const k = pair.key as { value?: unknown } | null;
  return String(k && typeof k === 'object' && 'value' in k ? k.value : k);
}

/** `service.hours[0].to` from ['service', 'hours', 0, 'to']. */
export function formatPath(path: DataPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || '(root)';
}

/** ['service','hours','0','to'] from ajv's JSON pointer `/service/hours/0/to`. */
export function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
