/**
 * The OpenAPI document (`/docs/json`) with every `$ref` a generic client can follow (issue 16).
 * @fastify/swagger puts each schema file under `components.schemas` as `def-<n>` (its
 * definitions as `def-<n>-<Name>`) in the order the files were added, but keeps the `$ref`s
 * *between* files as the files wrote them, relative to a `$id` the document no longer carries
 * (`../city-profile.schema.json#/components/schemas/LocalText`, `case-summary.schema.json`).
 * Those are rewritten here to the component they name: the file's `def-<n>`, its definition's
 * `def-<n>-<Name>`, or a JSON pointer into the component (`#/components/schemas/def-<n>/properties/x`).
 */
type Node = Record<string, unknown>;

/** `ids`: the schema files' `$id`s in the order they were added to the app (def-0, def-1, …). */
export function resolveFileRefs<T extends Node>(doc: T, ids: readonly string[]): T {
  const components = ((doc.components as Node | undefined)?.schemas ?? {}) as Record<string, Node>;
  const keyOf = new Map(ids.map((id, i) => [id, `def-${i}`]));
  const resolve = (ref: string, base: string): string | null => {
    const [file, fragment = ''] = ref.split('#');
    if (!file) return null; // already a local ref
    const target = new URL(file, `kc:/${base}`).pathname.replace(/^\//, '');
    const key = keyOf.get(target);
    if (!key) return null;
    const def = /^\/(?:components\/schemas|definitions)\/([^/]+)$/.exec(fragment);
    if (def && components[`${key}-${def[1]}`]) return `#/components/schemas/${key}-${def[1]}`;
    return `#/components/schemas/${key}${fragment}`;
  };
  const walk = (n: unknown, base: string): void => {
    if (!n || typeof n !== 'object') return;
    const node = n as Node;
    if (typeof node.$ref === 'string') {
      const to = resolve(node.$ref, base);
      if (to) node.$ref = to;
    }
    for (const v of Object.values(node)) walk(v, base);
  };
  for (const [name, schema] of Object.entries(components)) {
    const n = /^def-(\d+)(?:-|$)/.exec(name);
    const base = n ? ids[Number(n[1])] : undefined;
    if (base) walk(schema, base);
  }
  return doc;
}
