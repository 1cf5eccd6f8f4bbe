/**
 * Encoding a JSON value with a registered schema into Confluent's wire format, the inverse of decode.ts.
 *
 * Contract:
 * - The bytes are: magic byte 0, the schema id as a 4-byte big-endian integer, then (Protobuf only) the message
 *   indexes of the chosen message (a lone 0 for the first top-level message, else a zigzag varint count and that
 *   many zigzag varints: the path from the file's top-level messages down through nested ones), then the payload:
 *   Avro binary, Protobuf binary, or the value's JSON text (UTF-8) for JSON Schema.
 * - The JSON a person types is read the way decode.ts shows values, so a decoded value encodes back to the same
 *   bytes: Avro bytes/fixed and Protobuf bytes as base64 text, 64-bit integers as numbers or decimal strings, enums
 *   by symbol name, Avro unions either unwrapped (the first branch the value fits) or wrapped ({"string": "x"}),
 *   missing Avro fields filled from their defaults, Protobuf maps as objects.
 * - A value that does not fit throws SchemaValueError naming the field (`path`, e.g. "lines[1].qty"; "" for the
 *   whole value) and what was expected; nothing is encoded then. Unknown fields are refused for Avro records and
 *   Protobuf messages (the encoding would silently drop them); JSON Schema decides for itself (additionalProperties).
 * - SchemaEncoder resolves the schema's references through the registry (as the decoder does) and caches the parsed
 *   schema by id. It throws a plain Error when the schema itself cannot be used.
 */
import type * as avro from 'avsc';
import type { ValidateFunction } from 'ajv';
import * as protobuf from 'protobufjs';
import type { SchemaById, SchemaReference, SubjectVersion } from '../types';
import { avroFormat } from './avro';
import type { ResolvedReference } from './format';
import { compileJsonSchema } from './json-schema';
import { protobufFormat } from './protobuf';

/** A JSON value that does not fit its schema: `path` names the field ("" = the value as a whole). */
export class SchemaValueError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(path === '' ? problem : `field "${path}": ${problem}`);
  }
}

export type EncodedFormat = 'avro' | 'protobuf' | 'json';

export interface WireEncoding {
  bytes: Buffer;
  schemaId: number;
  format: EncodedFormat;
  /** Protobuf: the full name of the message encoded and its message indexes. */
  messageType?: string;
  indexes?: number[];
}

/** What the encoder needs from the registry (SchemaRegistry has it). */
export interface EncoderSchemaSource {
  getSchemaById(id: number): SchemaById;
  getVersion(subject: string, version: number, opts?: { deleted?: boolean }): SubjectVersion;
}

// ------------------------------------------------------------------ the wire format

/** magic 0, the id (big-endian int32), the Protobuf message indexes when given, the payload. */
export function wireFormat(schemaId: number, payload: Uint8Array, indexes?: readonly number[]): Buffer {
  const head = Buffer.alloc(5);
  head.writeInt32BE(schemaId, 1);
  const parts: Buffer[] = [head];
  if (indexes) parts.push(encodeIndexes(indexes));
  parts.push(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  return Buffer.concat(parts);
}

/** Confluent's message indexes: [0] is the single byte 0; otherwise the count, then each index (zigzag varints). */
export function encodeIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  for (const n of [indexes.length, ...indexes]) writeZigzag(out, n);
  return Buffer.from(out);
}

function writeZigzag(out: number[], n: number): void {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
}

// ------------------------------------------------------------------ helpers

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `${v}`;
  return typeof v;
};

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);
const at = (path: string, i: number): string => `${path}[${i}]`;
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** base64 text (standard or URL alphabet, padding optional) to bytes; throws SchemaValueError otherwise. */
function base64(v: unknown, path: string, what: string): Buffer {
  if (typeof v !== 'string') throw new SchemaValueError(path, `expected ${what} as base64 text, got ${describe(v)}`);
  const s = v.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s) || s.replace(/=+$/, '').length % 4 === 1)
    throw new SchemaValueError(path, `expected ${what} as base64 text, got ${describe(v)}, which is not base64`);
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** A whole number (or its decimal text) within [min, max]. */
function integer(v: unknown, path: string, what: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new SchemaValueError(path, `expected ${what} (a whole number), got ${describe(v)}`);
  if (n < min || n > max) throw new SchemaValueError(path, `${n} is out of range for ${what} (${min} to ${max})`);
  if (!Number.isSafeInteger(n))
    throw new SchemaValueError(path, `${String(v)} is too large to be exact here: give it as a decimal string`);
  return n;
}

function number(v: unknown, path: string, what: string): number {
  if (typeof v !== 'number') throw new SchemaValueError(path, `expected ${what} (a number), got ${describe(v)}`);
  return v;
}

// ------------------------------------------------------------------ Avro

const INT32 = [-(2 ** 31), 2 ** 31 - 1] as const;

/**
 * The avsc value for `json` under `type` (bytes as Buffers, defaults filled, unions in the shape the type wants);
 * throws SchemaValueError naming the field.
 */
export function avroValue(type: avro.Type, json: unknown, path = ''): unknown {
  const t = type as avro.Type & { typeName: string; name?: string; branchName?: string };
  const kind = t.typeName;
  if (kind.startsWith('logical:'))
    return avroValue((type as unknown as { underlyingType: avro.Type }).underlyingType, json, path);
  switch (kind) {
    case 'null':
      if (json !== null) throw new SchemaValueError(path, `expected null, got ${describe(json)}`);
      return null;
    case 'boolean':
      if (typeof json !== 'boolean')
        throw new SchemaValueError(path, `expected a boolean (true or false), got ${describe(json)}`);
      return json;
    case 'int':
      return integer(json, path, 'an Avro int', INT32[0], INT32[1]);
    case 'long':
      return integer(json, path, 'an Avro long', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    case 'float':
      return number(json, path, 'an Avro float');
    case 'double':
      return number(json, path, 'an Avro double');
    case 'string':
      if (typeof json !== 'string') throw new SchemaValueError(path, `expected a string, got ${describe(json)}`);
      return json;
    case 'bytes':
      return base64(json, path, 'Avro bytes');
    case 'fixed': {
      const size = (type as unknown as { size: number }).size;
      const b = base64(json, path, `Avro fixed(${size})`);
      if (b.length !== size) throw new SchemaValueError(path, `expected exactly ${size} bytes, got ${b.length}`);
      return b;
    }
    case 'enum': {
      const symbols = (type as unknown as { symbols: string[] }).symbols;
      if (typeof json !== 'string' || !symbols.includes(json))
        throw new SchemaValueError(path, `expected one of ${symbols.join(', ')}, got ${describe(json)}`);
      return json;
    }
    case 'array': {
      if (!Array.isArray(json)) throw new SchemaValueError(path, `expected an array, got ${describe(json)}`);
      const items = (type as unknown as { itemsType: avro.Type }).itemsType;
      return json.map((x, i) => avroValue(items, x, at(path, i)));
    }
    case 'map': {
      if (!isObj(json)) throw new SchemaValueError(path, `expected an object (an Avro map), got ${describe(json)}`);
      const values = (type as unknown as { valuesType: avro.Type }).valuesType;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(json)) out[k] = avroValue(values, x, join(path, k));
      return out;
    }
    case 'record':
    case 'error': {
      const name = t.name ?? 'record';
      if (!isObj(json))
        throw new SchemaValueError(path, `expected an object (the Avro record ${name}), got ${describe(json)}`);
      const fields = (type as unknown as { fields: avro.types.Field[] }).fields;
      const known = new Set(fields.map((f) => f.name));
      const extra = Object.keys(json).find((k) => !known.has(k));
      if (extra !== undefined)
        throw new SchemaValueError(
          join(path, extra),
          `record ${name} has no field "${extra}" (its fields: ${fields.map((f) => f.name).join(', ')})`,
        );
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const p = join(path, f.name);
        if (json[f.name] === undefined) {
          const d: unknown = f.defaultValue();
          if (d === undefined) throw new SchemaValueError(p, `is missing, and record ${name} gives it no default`);
          out[f.name] = d;
        } else out[f.name] = avroValue(f.type, json[f.name], p);
      }
      return out;
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (type as unknown as { types: (avro.Type & { branchName?: string })[] }).types;
      const wrapped = kind === 'union:wrapped';
      // {"branch": value}, as Avro's JSON encoding and decode.ts write a wrapped union
      if (isObj(json)) {
        const keys = Object.keys(json);
        const b = keys.length === 1 ? branches.find((x) => x.branchName === keys[0]) : undefined;
        if (b) {
          const v = avroValue(b, json[keys[0]], path);
          return wrapped && b.branchName !== 'null' ? { [b.branchName!]: v } : v;
        }
      }
      const tried: string[] = [];
      for (const b of branches) {
        try {
          const v = avroValue(b, json, path);
          return wrapped && b.branchName !== 'null' ? { [b.branchName!]: v } : v;
        } catch (e) {
          if (!(e instanceof SchemaValueError)) throw e;
          tried.push(b.branchName ?? (b as { typeName: string }).typeName);
          // a record branch whose fields were wrong: report that field, it is what the person meant
          if (e.path !== path && branches.filter((x) => isRecordType(x)).length === 1 && isRecordType(b)) throw e;
        }
      }
      throw new SchemaValueError(
        path,
        `fits none of the union's branches (${tried.join(', ')}): got ${describe(json)}`,
      );
    }
    default:
      throw new SchemaValueError(path, `the Avro type ${kind} is not supported by the panel's encoder`);
  }
}

const isRecordType = (t: avro.Type): boolean => ['record', 'error'].includes((t as { typeName: string }).typeName);

/** Avro binary of `json` (see avroValue). */
export function encodeAvro(type: avro.Type, json: unknown): Buffer {
  const v = avroValue(type, json);
  try {
    return type.toBuffer(v);
  } catch (e) {
    throw new SchemaValueError('', `Avro cannot encode it: ${(e as Error).message}`);
  }
}

// ------------------------------------------------------------------ Protobuf

const RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
};
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

function protoScalar(type: string, resolved: protobuf.ReflectionObject | null, v: unknown, path: string): unknown {
  if (resolved instanceof protobuf.Type) return protoMessage(resolved, v, path);
  if (resolved instanceof protobuf.Enum) {
    const names = Object.keys(resolved.values);
    if (typeof v === 'string' && names.includes(v)) return v;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    throw new SchemaValueError(path, `expected one of ${names.join(', ')} (enum ${resolved.name}), got ${describe(v)}`);
  }
  if (RANGES[type]) return integer(v, path, `a ${type}`, RANGES[type][0], RANGES[type][1]);
  if (INT64.has(type)) {
    if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) {
      if (type.startsWith('u') || type === 'fixed64')
        if (v.trim().startsWith('-')) throw new SchemaValueError(path, `${v} is negative; a ${type} cannot be`);
      return v.trim();
    }
    return integer(
      v,
      path,
      `a ${type}`,
      type.startsWith('u') || type === 'fixed64' ? 0 : Number.MIN_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
    );
  }
  switch (type) {
    case 'double':
    case 'float':
      return number(v, path, `a ${type}`);
    case 'bool':
      if (typeof v !== 'boolean')
        throw new SchemaValueError(path, `expected a bool (true or false), got ${describe(v)}`);
      return v;
    case 'string':
      if (typeof v !== 'string') throw new SchemaValueError(path, `expected a string, got ${describe(v)}`);
      return v;
    case 'bytes':
      base64(v, path, 'bytes');
      return v;
  }
  throw new SchemaValueError(path, `the Protobuf type ${type} is not supported by the panel's encoder`);
}

/** Checks `json` against message `type` (field by field, unknown fields refused); returns it for fromObject. */
function protoMessage(type: protobuf.Type, json: unknown, path: string): Record<string, unknown> {
  if (!isObj(json))
    throw new SchemaValueError(path, `expected an object (the message ${type.name}), got ${describe(json)}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    const f =
      type.fields[k] ?? type.fieldsArray.find((x) => x.name === k || (x as { jsonName?: string }).jsonName === k);
    const p = join(path, k);
    if (!f)
      throw new SchemaValueError(
        p,
        `message ${type.name} has no field "${k}" (its fields: ${type.fieldsArray.map((x) => x.name).join(', ')})`,
      );
    if (v === null) continue; // absent
    f.resolve();
    if (f instanceof protobuf.MapField) {
      if (!isObj(v)) throw new SchemaValueError(p, `expected an object (a map), got ${describe(v)}`);
      const m: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v)) m[mk] = protoScalar(f.type, f.resolvedType, mv, join(p, mk));
      out[f.name] = m;
    } else if (f.repeated) {
      if (!Array.isArray(v)) throw new SchemaValueError(p, `expected an array (a repeated field), got ${describe(v)}`);
      out[f.name] = v.map((x, i) => protoScalar(f.type, f.resolvedType, x, at(p, i)));
    } else out[f.name] = protoScalar(f.type, f.resolvedType, v, p);
  }
  for (const f of type.fieldsArray)
    if (f.required && out[f.name] === undefined)
      throw new SchemaValueError(join(path, f.name), `is missing, and message ${type.name} requires it`);
  return out;
}

/** Protobuf binary of `json` as message `type` (see the module contract for how JSON is read). */
export function encodeProtobuf(type: protobuf.Type, json: unknown): Buffer {
  const checked = protoMessage(type, json, '');
  const err = type.verify(type.fromObject(checked));
  if (err) throw new SchemaValueError('', `Protobuf cannot encode it: ${err}`);
  return Buffer.from(type.encode(type.fromObject(checked)).finish());
}

/**
 * The messages a Protobuf schema defines, each with its message indexes (decode.ts's order: top-level messages in
 * the order of the file, nested ones within their parent).
 */
export function protobufMessages(
  root: protobuf.Root,
  own: readonly string[],
): { name: string; type: protobuf.Type; indexes: number[] }[] {
  const ownSet = new Set(own);
  const top = own
    .map((n) => root.lookupType(n))
    .filter((t) => !(t.parent instanceof protobuf.Type) && ownSet.has(t.fullName.replace(/^\./, '')));
  const out: { name: string; type: protobuf.Type; indexes: number[] }[] = [];
  const walk = (t: protobuf.Type, indexes: number[]) => {
    out.push({ name: t.fullName.replace(/^\./, ''), type: t, indexes });
    t.nestedArray
      .filter((n): n is protobuf.Type => n instanceof protobuf.Type)
      .forEach((n, i) => walk(n, [...indexes, i]));
  };
  top.forEach((t, i) => walk(t, [i]));
  return out;
}

// ------------------------------------------------------------------ JSON Schema

/** The UTF-8 JSON text of `json` once the schema accepts it; the first problem names the field otherwise. */
export function encodeJsonSchema(validate: ValidateFunction, json: unknown): Buffer {
  if (!validate(json)) {
    const e = validate.errors?.[0];
    const path = (e?.instancePath ?? '')
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((p, s) => (/^\d+$/.test(s) ? at(p, Number(s)) : join(p, s)), '');
    const params = (e?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
    if (params.missingProperty !== undefined)
      throw new SchemaValueError(join(path, params.missingProperty), 'is missing, and the schema requires it');
    if (params.additionalProperty !== undefined)
      throw new SchemaValueError(
        join(path, params.additionalProperty),
        'is not allowed by the schema (additionalProperties is false)',
      );
    throw new SchemaValueError(path, e?.message ?? 'does not conform to the schema');
  }
  return Buffer.from(JSON.stringify(json), 'utf8');
}

// ------------------------------------------------------------------ with the registry

type Writer =
  | { format: 'avro'; type: avro.Type }
  | { format: 'protobuf'; messages: { name: string; type: protobuf.Type; indexes: number[] }[] }
  | { format: 'json'; validate: ValidateFunction };

export class SchemaEncoder {
  private readonly writers = new Map<number, Writer>();

  constructor(private readonly source: EncoderSchemaSource) {}

  /** The messages of a Protobuf schema (full names, in message-index order); [] for other formats. */
  messageTypes(schemaId: number): string[] {
    const w = this.writerFor(schemaId);
    return w.format === 'protobuf' ? w.messages.map((m) => m.name) : [];
  }

  /**
   * Encode `json` with schema `schemaId`. Protobuf: `messageType` is the full (or short) name of the message;
   * absent, the schema's first message (Confluent's default). Throws SchemaValueError when the value does not fit.
   */
  encode(schemaId: number, json: unknown, messageType?: string): WireEncoding {
    const w = this.writerFor(schemaId);
    switch (w.format) {
      case 'avro':
        return { format: 'avro', schemaId, bytes: wireFormat(schemaId, encodeAvro(w.type, json)) };
      case 'json':
        return { format: 'json', schemaId, bytes: wireFormat(schemaId, encodeJsonSchema(w.validate, json)) };
      case 'protobuf': {
        const m =
          messageType === undefined || messageType === ''
            ? w.messages[0]
            : w.messages.find((x) => x.name === messageType || x.name.endsWith(`.${messageType}`));
        if (!m)
          throw new Error(
            messageType
              ? `schema id ${schemaId} has no message "${messageType}" (its messages: ${w.messages.map((x) => x.name).join(', ')})`
              : `schema id ${schemaId} defines no message`,
          );
        return {
          format: 'protobuf',
          schemaId,
          messageType: m.name,
          indexes: m.indexes,
          bytes: wireFormat(schemaId, encodeProtobuf(m.type, json), m.indexes),
        };
      }
    }
  }

  private writerFor(id: number): Writer {
    let w = this.writers.get(id);
    if (!w) {
      w = this.build(id);
      this.writers.set(id, w);
    }
    return w;
  }

  private build(id: number): Writer {
    const s = this.source.getSchemaById(id);
    const refs = this.resolve(s.references, new Set());
    switch (s.schemaType) {
      case 'AVRO':
        return { format: 'avro', type: avroFormat.parse(s.schema, refs).type };
      case 'PROTOBUF': {
        const p = protobufFormat.parse(s.schema, refs);
        return { format: 'protobuf', messages: protobufMessages(p.root, p.messages) };
      }
      case 'JSON':
        return { format: 'json', validate: compileJsonSchema(s.schema, refs) };
    }
    throw new Error(`schema id ${id} has an unknown schema type ${String(s.schemaType)}`);
  }

  /** Referenced schemas' texts, dependencies first. */
  private resolve(refs: SchemaReference[], seen: Set<string>): ResolvedReference[] {
    const out: ResolvedReference[] = [];
    for (const ref of refs) {
      const key = JSON.stringify([ref.subject, ref.version]);
      if (seen.has(key)) continue;
      seen.add(key);
      const target = this.source.getVersion(ref.subject, ref.version, { deleted: true });
      out.push(...this.resolve(target.references, seen));
      out.push({ name: ref.name, schema: target.schema });
    }
    return out;
  }
}
