/**
 * A small declarative codec: a message is a list of fields, each present in a version range, and one generic
 * decoder/encoder walks it for a given version, picking classic or compact (flexible) encodings and tagged-field
 * sections by itself. The API modules in src/protocol/apis declare their request/response layouts with it
 * (field names follow Kafka's message specs, camelCased), so a version bump is one line, not a new codec.
 *
 * Decoding: fields absent in the version get their default. Nullable strings/arrays/bytes decode to null.
 * Encoding: a missing value is written as the type's zero (or null where the field is nullable).
 *
 * Tagged fields (`{ tag: n }`, flexible versions only): they travel in the struct's tagged-field section, not in
 * line. Decoding reads the tags the schema names (unknown tags are skipped) and gives absent ones their default;
 * encoding writes a tagged field only when it has a value other than its default (an array: when non-empty),
 * as Kafka does, in ascending tag order.
 */
import { ProtocolError, Reader } from './reader';
import { Writer } from './writer';

export type Primitive =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'bool'
  | 'string'
  | 'bytes'
  /** Record set: classic int32-length bytes, nullable, kept by reference on both sides. */
  | 'records'
  | 'uuid';

export interface Field {
  name: string;
  type: Primitive | Field[];
  array: boolean;
  min: number;
  max: number;
  nullable: boolean;
  def?: unknown;
  /** Tag number of a tagged field (flexible versions only); undefined for an in-line field. */
  tag?: number;
}

export type Schema = Field[];
type Msg = Record<string, unknown>;

function parseVersions(v: string): [number, number] {
  const m = /^(\d+)(\+|-(\d+))?$/.exec(v);
  if (!m) throw new Error(`bad version range "${v}"`);
  const min = Number(m[1]);
  if (m[2] === '+') return [min, Infinity];
  if (m[3] !== undefined) return [min, Number(m[3])];
  return [min, min];
}

interface FieldOpts {
  nullable?: boolean;
  def?: unknown;
  tag?: number;
}

/** A scalar field: f('errorCode', 'int16', '0+'). */
export function f(name: string, type: Primitive, versions = '0+', opts: FieldOpts = {}): Field {
  const [min, max] = parseVersions(versions);
  return { name, type, array: false, min, max, nullable: opts.nullable ?? false, def: opts.def, tag: opts.tag };
}

/**
 * A single struct: struct('cursor', [f(...), ...], '0+', { nullable: true }). A nullable struct is preceded on
 * the wire by an int8: -1 for null, 1 for a struct.
 */
export function struct(name: string, fields: Field[], versions = '0+', opts: FieldOpts = {}): Field {
  const [min, max] = parseVersions(versions);
  return { name, type: fields, array: false, min, max, nullable: opts.nullable ?? false, def: opts.def, tag: opts.tag };
}

/** An array of primitives or structs: arr('topics', [f(...), ...], '0+'). */
export function arr(name: string, of: Primitive | Field[], versions = '0+', opts: FieldOpts = {}): Field {
  const [min, max] = parseVersions(versions);
  return { name, type: of, array: true, min, max, nullable: opts.nullable ?? false, def: opts.def, tag: opts.tag };
}

function zero(field: Field): unknown {
  if (field.def !== undefined) return field.def;
  if (field.array) return field.nullable ? null : [];
  if (typeof field.type !== 'string') return field.nullable ? null : {};
  switch (field.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return 0;
    case 'bool':
      return false;
    case 'string':
      return field.nullable ? null : '';
    case 'bytes':
    case 'records':
      return field.nullable ? null : Buffer.alloc(0);
    case 'uuid':
      return Buffer.alloc(16);
    default:
      return null;
  }
}

function readPrimitive(r: Reader, type: Primitive, flexible: boolean): unknown {
  switch (type) {
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64();
    case 'bool':
      return r.bool();
    case 'string':
      return flexible ? r.compactNullableString() : r.nullableString();
    case 'bytes':
    case 'records':
      return flexible ? r.compactNullableBytes() : r.nullableBytes();
    case 'uuid':
      return r.uuid();
  }
}

function readValue(r: Reader, field: Field, version: number, flexible: boolean): unknown {
  if (typeof field.type === 'string') {
    const v = readPrimitive(r, field.type, flexible);
    if (v === null && !field.nullable) return zero(field);
    return v;
  }
  if (field.nullable && !field.array && r.int8() < 0) return null;
  return decodeStruct(r, field.type, version, flexible);
}

/** One field's value (an array or a single value) at the reader's position. */
function readField(r: Reader, field: Field, version: number, flexible: boolean): unknown {
  if (!field.array) return readValue(r, field, version, flexible);
  const n = flexible ? r.compactArrayLength() : r.arrayLength();
  if (n < 0) return field.nullable ? null : [];
  const items: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = readValue(r, field, version, flexible);
  return items;
}

const isTagged = (field: Field, flexible: boolean) => flexible && field.tag !== undefined;

export function decodeStruct(r: Reader, schema: Schema, version: number, flexible: boolean): Msg {
  const out: Msg = {};
  let tagged: Map<number, Field> | undefined;
  for (const field of schema) {
    if (version < field.min || version > field.max) {
      out[field.name] = zero(field);
      continue;
    }
    if (isTagged(field, flexible)) {
      out[field.name] = zero(field);
      (tagged ??= new Map()).set(field.tag!, field);
      continue;
    }
    out[field.name] = readField(r, field, version, flexible);
  }
  if (!flexible) return out;
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    const field = tagged?.get(tag);
    if (!field) {
      r.skip(size, 'tagged field');
      continue;
    }
    const end = r.pos + size;
    if (size > r.remaining)
      throw new ProtocolError(`tagged field ${tag} of ${size} byte(s) at byte ${r.pos} runs past the frame`);
    const sub = new Reader(r.buf, r.pos, end);
    out[field.name] = readField(sub, field, version, flexible);
    r.pos = end;
  }
  return out;
}

function writePrimitive(w: Writer, type: Primitive, v: unknown, nullable: boolean, flexible: boolean): void {
  switch (type) {
    case 'int8':
      w.int8((v as number) ?? 0);
      return;
    case 'int16':
      w.int16((v as number) ?? 0);
      return;
    case 'int32':
      w.int32((v as number) ?? 0);
      return;
    case 'int64':
      w.int64((v as number) ?? 0);
      return;
    case 'bool':
      w.bool(Boolean(v));
      return;
    case 'string': {
      const s = (v as string | null | undefined) ?? (nullable ? null : '');
      if (flexible) w.compactNullableString(s);
      else w.nullableString(s);
      return;
    }
    case 'bytes':
    case 'records': {
      const b = (v as Buffer | null | undefined) ?? (nullable ? null : Buffer.alloc(0));
      if (flexible) w.compactNullableBytes(b);
      else w.nullableBytes(b);
      return;
    }
    case 'uuid':
      w.uuid((v as Buffer | null) ?? null);
      return;
  }
}

function writeValue(w: Writer, field: Field, v: unknown, version: number, flexible: boolean): void {
  if (typeof field.type === 'string') writePrimitive(w, field.type, v, field.nullable, flexible);
  else if (field.nullable && !field.array && (v === null || v === undefined)) w.int8(-1);
  else {
    if (field.nullable && !field.array) w.int8(1);
    encodeStruct(w, field.type, version, flexible, (v ?? {}) as Msg);
  }
}

/** One field's value (an array or a single value). */
function writeField(w: Writer, field: Field, v: unknown, version: number, flexible: boolean): void {
  if (!field.array) {
    writeValue(w, field, v, version, flexible);
    return;
  }
  const items = v as unknown[] | null | undefined;
  if (items === null || items === undefined) {
    const n = field.nullable && items === null ? null : 0;
    if (flexible) w.compactArrayLength(n);
    else w.arrayLength(n);
    return;
  }
  if (flexible) w.compactArrayLength(items.length);
  else w.arrayLength(items.length);
  for (const item of items) writeValue(w, field, item, version, flexible);
}

/** Whether a tagged field is sent: it has a value other than its default (an array: a non-empty one). */
function taggedValueSent(field: Field, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (field.array) return (v as unknown[]).length > 0;
  if (field.def !== undefined) return v !== field.def;
  return true;
}

export function encodeStruct(w: Writer, schema: Schema, version: number, flexible: boolean, msg: Msg): void {
  let tagged: Field[] | undefined;
  for (const field of schema) {
    if (version < field.min || version > field.max) continue;
    if (isTagged(field, flexible)) {
      if (taggedValueSent(field, msg[field.name])) (tagged ??= []).push(field);
      continue;
    }
    let v = msg[field.name];
    if (v === undefined && field.def !== undefined) v = field.def;
    writeField(w, field, v, version, flexible);
  }
  if (!flexible) return;
  if (!tagged) {
    w.emptyTaggedFields();
    return;
  }
  tagged.sort((a, b) => a.tag! - b.tag!);
  w.uvarint(tagged.length);
  for (const field of tagged) {
    const body = new Writer(64);
    writeField(body, field, msg[field.name], version, flexible);
    const bytes = body.toBuffer();
    w.uvarint(field.tag!);
    w.uvarint(bytes.length);
    w.raw(bytes);
  }
}

export { ProtocolError };
