/**
 * The Schema Registry's vocabulary: schema types, compatibility levels, modes, references and what the registry
 * answers. Shared by the engine (registry.ts), the `_schemas` log codec (log.ts) and the HTTP server
 * (src/schema-registry-server). Names and JSON shapes follow Confluent's REST API so its clients work unchanged.
 */

export const SCHEMA_TYPES = ['AVRO', 'JSON', 'PROTOBUF'] as const;
export type SchemaType = (typeof SCHEMA_TYPES)[number];

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export const MODES = ['READWRITE', 'READONLY'] as const;
export type Mode = (typeof MODES)[number];

/** A reference from one schema to another registered one: `name` is how the referring schema names it. */
export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

/** What a client sends to register, look up or test a schema. */
export interface SchemaInput {
  schema: string;
  schemaType?: SchemaType;
  references?: SchemaReference[];
}

/** One version of one subject. */
export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
  deleted: boolean;
}

/** A schema by its global id. */
export interface SchemaById {
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
}

export interface CompatibilityResult {
  isCompatible: boolean;
  messages: string[];
}
