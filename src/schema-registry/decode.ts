/**
 * Decoding record bytes written in Confluent's wire format, with the embedded registry's schemas.
 *
 * Contract:
 * - The wire format is: magic byte 0, the schema id as a 4-byte big-endian integer, then (Protobuf only) the
 *   message indexes — a zigzag varint count followed by that many zigzag varints, a count of 0 meaning [0], the
 *   path from the file's top-level messages down through nested ones — then the payload (Avro binary, Protobuf
 *   binary, or UTF-8 JSON text).
 * - `decode(bytes)` returns null when the bytes are not in that format (null, empty, or a first byte other
 *   than 0): they are shown as before. Otherwise it returns either a decoded value — plain JSON data (bytes
 *   fields as base64 text, Protobuf 64-bit integers and enums as strings), the format, the schema id and the
 *   subject and version that hold the id (the `preferSubject` one when it holds it, e.g. `<topic>-value`) — or
 *   `{ error }` naming the problem (bytes too short, unknown schema id, a payload the schema cannot read).
 *   It never throws.
 * - JSON payloads are validated against their schema with ajv; a document that does not conform is still
 *   shown, with `validationErrors` listing why.
 * - Parsed schemas are cached by id (a registry id always names the same schema). The subject-version found
 *   for an id is remembered and checked on every call (still that id, else looked up again); when it is not the
 *   preferred subject, the preferred one is looked for again after a second (it may register the id later).
 * Not handled: Protobuf message indexes that count synthetic map-entry messages (protobufjs has none).
 */
import type * as avro from 'avsc';
import type { ValidateFunction } from 'ajv';
import * as protobuf from 'protobufjs';
import type { ResolvedReference } from './formats/format';
import { avroFormat } from './formats/avro';
import { compileJsonSchema } from './formats/json-schema';
import { protobufFormat } from './formats/protobuf';
import type { SchemaById, SchemaReference, SubjectVersion } from './types';

/** What the decoder needs from the registry (SchemaRegistry has it). */
export interface SchemaSource {
  getSchemaById(id: number): SchemaById;
  getVersion(subject: string, version: number, opts?: { deleted?: boolean }): SubjectVersion;
  versionsOfId(id: number, opts?: { deleted?: boolean }): { subject: string; version: number }[];
}

export type DecodedFormat = 'avro' | 'protobuf' | 'json';

export interface DecodedValue {
  format: DecodedFormat;
  schemaId: number;
  subject?: string;
  version?: number;
  /** Plain JSON data. */
  value: unknown;
  /** Protobuf: the full name of the message type the indexes chose. */
  messageType?: string;
  /** JSON: why the document does not conform to its schema (absent when it does). */
  validationErrors?: string[];
}

export interface DecodeError {
  error: string;
  schemaId?: number;
}

export type DecodeResult = DecodedValue | DecodeError;

export function isDecodeError(r: DecodeResult): r is DecodeError {
  return 'error' in r;
}

const FORMAT_NAMES: Record<DecodedFormat, string> = { avro: 'Avro', protobuf: 'Protobuf', json: 'JSON Schema' };

/** "Avro · orders-value v3 (id 7)": how the browser labels a decoded value. */
export function describeDecoded(d: DecodedValue): string {
  const where = d.subject !== undefined ? `${d.subject} v${d.version} ` : '';
  return `${FORMAT_NAMES[d.format]} · ${where}(id ${d.schemaId})`;
}

type Reader =
  | { format: 'avro'; type: avro.Type }
  | { format: 'protobuf'; root: protobuf.Root; topLevel: protobuf.Type[] }
  | { format: 'json'; validate: ValidateFunction };

const HEADER = 5;
/** How long a subject other than the preferred one is trusted before the preferred one is looked for again. */
const RECHECK_MS = 1000;

export class SchemaDecoder {
  private readonly readers = new Map<number, Reader | DecodeError>();
  /** The subject-version last found for (id, preferred subject), and when. */
  private readonly where = new Map<string, { where: { subject: string; version: number }; at: number }>();

  constructor(private readonly source: SchemaSource) {}

  decode(bytes: Buffer | null, preferSubject?: string): DecodeResult | null {
    if (bytes === null || bytes.length === 0 || bytes[0] !== 0) return null;
    if (bytes.length < HEADER)
      return { error: `bytes too short for Confluent's wire format: ${bytes.length} bytes, the header is 5` };
    const schemaId = bytes.readInt32BE(1);
    const reader = this.readerFor(schemaId);
    if ('error' in reader) return reader;
    let decoded: { value: unknown; messageType?: string; validationErrors?: string[] };
    try {
      decoded = read(reader, bytes, schemaId);
    } catch (e) {
      return { error: `schema id ${schemaId}: ${(e as Error).message}`, schemaId };
    }
    const out: DecodedValue = { format: reader.format, schemaId, value: decoded.value };
    const where = this.subjectOf(schemaId, preferSubject);
    if (where) {
      out.subject = where.subject;
      out.version = where.version;
    }
    if (decoded.messageType !== undefined) out.messageType = decoded.messageType;
    if (decoded.validationErrors) out.validationErrors = decoded.validationErrors;
    return out;
  }

  private subjectOf(id: number, prefer?: string): { subject: string; version: number } | undefined {
    const key = JSON.stringify([id, prefer ?? null]);
    const hit = this.where.get(key);
    if (hit && this.stillHolds(hit.where, id) && (hit.where.subject === prefer || Date.now() - hit.at < RECHECK_MS))
      return hit.where;
    let found: { subject: string; version: number } | undefined;
    try {
      let vs = this.source.versionsOfId(id);
      if (vs.length === 0) vs = this.source.versionsOfId(id, { deleted: true });
      found = vs.find((v) => v.subject === prefer) ?? vs[0];
    } catch {
      found = undefined;
    }
    if (found) this.where.set(key, { where: found, at: Date.now() });
    else this.where.delete(key);
    return found;
  }

  private stillHolds(w: { subject: string; version: number }, id: number): boolean {
    try {
      return this.source.getVersion(w.subject, w.version, { deleted: true }).id === id;
    } catch {
      return false;
    }
  }

  private readerFor(id: number): Reader | DecodeError {
    let r = this.readers.get(id);
    if (!r) {
      r = this.buildReader(id);
      this.readers.set(id, r);
    }
    return r;
  }

  private buildReader(id: number): Reader | DecodeError {
    let s: SchemaById;
    try {
      s = this.source.getSchemaById(id);
    } catch {
      return { error: `unknown schema id ${id}: the registry has no schema with this id`, schemaId: id };
    }
    try {
      const refs = this.resolve(s.references, new Set());
      switch (s.schemaType) {
        case 'AVRO':
          return { format: 'avro', type: avroFormat.parse(s.schema, refs).type };
        case 'PROTOBUF': {
          const p = protobufFormat.parse(s.schema, refs);
          const own = new Set(p.messages);
          const topLevel = p.messages
            .map((n) => p.root.lookupType(n))
            .filter((t) => !(t.parent instanceof protobuf.Type) && own.has(t.fullName.replace(/^\./, '')));
          return { format: 'protobuf', root: p.root, topLevel };
        }
        case 'JSON':
          return { format: 'json', validate: compileJsonSchema(s.schema, refs) };
      }
    } catch (e) {
      return { error: `schema id ${id} cannot be used to decode: ${(e as Error).message}`, schemaId: id };
    }
    return { error: `schema id ${id} has an unknown schema type ${String(s.schemaType)}`, schemaId: id };
  }

  /** Referenced schemas' texts, dependencies first (as the registry resolves them when it registers). */
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

function read(
  reader: Reader,
  bytes: Buffer,
  id: number,
): { value: unknown; messageType?: string; validationErrors?: string[] } {
  switch (reader.format) {
    case 'avro': {
      const payload = bytes.subarray(HEADER);
      const { value, offset } = reader.type.decode(payload, 0);
      if (offset < 0) throw new Error(`the Avro payload (${payload.length} bytes) ends before the record does`);
      if (offset !== payload.length)
        throw new Error(`the Avro record ends at byte ${offset} of ${payload.length}: trailing bytes`);
      return { value: plain(value) };
    }
    case 'protobuf': {
      const { indexes, pos } = readIndexes(bytes, HEADER);
      let type: protobuf.Type | undefined = reader.topLevel[indexes[0]];
      for (const i of indexes.slice(1)) type = type?.nestedArray.filter((n) => n instanceof protobuf.Type)[i];
      if (!type) throw new Error(`message indexes [${indexes.join(', ')}] name no message of the schema`);
      const msg = type.decode(bytes.subarray(pos));
      return {
        value: type.toObject(msg, protobuf.util.toJSONOptions),
        messageType: type.fullName.replace(/^\./, ''),
      };
    }
    case 'json': {
      const text = bytes.subarray(HEADER).toString('utf8');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new Error(`the payload is not JSON: ${(e as Error).message}`, { cause: e });
      }
      if (reader.validate(value)) return { value };
      const errs = (reader.validate.errors ?? []).map(
        (er) => `${er.instancePath || '/'} ${er.message ?? 'is invalid'}`,
      );
      return { value, validationErrors: errs.length ? errs : [`does not conform to schema id ${id}`] };
    }
  }
}

function readVarint(b: Buffer, pos: number): { n: number; pos: number } {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= b.length) throw new Error('the message indexes run past the end of the bytes');
    const byte = b[pos++];
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
    if (shift > 35) throw new Error('a message index varint is longer than 5 bytes');
  }
  const n = result % 2 === 1 ? -(result + 1) / 2 : result / 2; // zigzag
  return { n, pos };
}

function readIndexes(b: Buffer, start: number): { indexes: number[]; pos: number } {
  let { n: count, pos } = readVarint(b, start);
  if (count === 0) return { indexes: [0], pos };
  if (count < 0 || count > 100) throw new Error(`the message index count ${count} is not plausible`);
  const indexes: number[] = [];
  while (count-- > 0) {
    const r = readVarint(b, pos);
    if (r.n < 0) throw new Error(`message index ${r.n} is negative`);
    indexes.push(r.n);
    pos = r.pos;
  }
  return { indexes, pos };
}

/** An avsc value as plain JSON data: Buffers (bytes, fixed) become base64 text. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = plain(x);
  return out;
}
