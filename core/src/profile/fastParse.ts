/**
 * A fast first reading of a profile file from cities/ at start-up. The `yaml` package builds a
 * document that remembers every position (so a problem is reported at its line:col) and is the
 * larger part of loading 36 profiles; js-yaml reads the same YAML 1.2 core schema to plain data
 * several times faster. When that data compiles without a single problem it is used; anything
 * else — a parse error, a duplicate key, a schema or meaning problem — is compiled again from
 * the text the slow way, so problems always come with their positions.
 *
 * Only for trusted files (loadProfiles); uploads go through compileProfile alone. Texts with
 * anchors, aliases, tags or merge keys are left to the `yaml` package and its alias limits.
 */
import { load, CORE_SCHEMA } from 'js-yaml';

/** Anchor `&a`, alias `*a`, tag `!x` or merge key `<<` outside quotes and comments, roughly: enough to decline. */
const NODE_PROPERTIES = /(^|[\s[{,:-])[&*!][^\s]|<<\s*:/m;

/** A profile is a few pages; anything longer is left to compileProfile's own limits. */
const MAX_CHARS = 200_000;

/** The profile as plain data, or undefined: then compile it from the text (compileProfile). */
export function fastParse(text: string): unknown {
  if (text.length > MAX_CHARS || NODE_PROPERTIES.test(text.replace(/#.*$/gm, ''))) return undefined;
  try {
    const data = load(text, { schema: CORE_SCHEMA });
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? data : undefined;
  } catch {
    return undefined; // syntax or duplicate key: the slow path says where
  }
}
