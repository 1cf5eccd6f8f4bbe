/**
 * What the registry needs from a schema format: parse a schema text (with the schemas it references, already
 * resolved, dependencies first) into a parsed form, give the canonical text two equal schemas share, and say
 * whether a reader schema can read data a writer schema wrote (the list of reasons it cannot; empty = it can).
 * `parse` throws an Error whose message says what is wrong; the registry turns it into 42201. A format may also
 * say what text the registry stores for a schema (`stored`: a Protobuf descriptor is stored as .proto text) and
 * give the schema in another form a client asks for (`formatted`: `?format=serialized` for Protobuf); a form it
 * does not know gives undefined (the stored text is answered).
 */

/** A referenced schema, resolved to its text: `name` is the name the referring schema uses for it. */
export interface ResolvedReference {
  name: string;
  schema: string;
}

export interface SchemaFormat<P> {
  parse(schema: string, references: ResolvedReference[]): P;
  /** Equal for schemas that differ only in formatting (whitespace, key order). */
  canonical(parsed: P): string;
  /** Why `reader` cannot read data written with `writer`; empty when it can. */
  canRead(reader: P, writer: P): string[];
  /** The text to store when it is not the text that was sent. */
  stored?(parsed: P): string;
  /** The schema in the form `format` names, or undefined when this format has no such form. */
  formatted?(parsed: P, format: string): string | undefined;
}

/** JSON text with object keys sorted at every level: the same value always gives the same text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** JSON.parse whose error names what was being parsed. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}
