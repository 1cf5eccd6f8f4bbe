/**
 * Avro schemas through avsc. Parsing is avsc's `Type.forSchema` (referenced schemas are parsed first into the same
 * type registry, so a name they define resolves). Compatibility is Avro's schema resolution: the reader can read the
 * writer's data exactly when avsc's `reader.createResolver(writer)` succeeds (promotions int→long→float→double,
 * string↔bytes, a field added with a default, a removed field, enum symbols the reader has, unions, aliases). The
 * canonical form is the schema's JSON with sorted keys, so whitespace and key order do not make a new schema.
 */
import * as avro from 'avsc';
import type { ResolvedReference, SchemaFormat } from './format';
import { parseJson, stableStringify } from './format';

export interface ParsedAvro {
  type: avro.Type;
  canonical: string;
}

export const avroFormat: SchemaFormat<ParsedAvro> = {
  parse(schema: string, references: ResolvedReference[]): ParsedAvro {
    const registry: Record<string, avro.Type> = {};
    for (const ref of references) {
      try {
        avro.Type.forSchema(parseJson(ref.schema, `referenced schema "${ref.name}"`) as avro.Schema, { registry });
      } catch (e) {
        throw new Error(`Invalid schema: referenced schema "${ref.name}": ${(e as Error).message}`, { cause: e });
      }
    }
    const json = parseJson(schema, 'Avro schema');
    let type: avro.Type;
    try {
      type = avro.Type.forSchema(json as avro.Schema, { registry });
    } catch (e) {
      throw new Error(`Invalid schema: ${(e as Error).message}`, { cause: e });
    }
    return { type, canonical: stableStringify(json) };
  },
  canonical: (p) => p.canonical,
  canRead(reader, writer) {
    try {
      reader.type.createResolver(writer.type);
      return [];
    } catch (e) {
      return [(e as Error).message];
    }
  },
};
