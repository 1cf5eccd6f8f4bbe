/**
 * Local schema files for topics without a registry: the `kafkaLite.schemas.localFiles` setting maps a topic to a
 * schema file in the workspace, for its value (`"orders": "schemas/order.avsc"`) or for its key and value
 * (`"orders": { "key": "schemas/order-key.avsc", "value": "schemas/order.proto#shop.Order" }`). vscode-free: the
 * record browser's controller asks it to decode a key or value.
 *
 * Contract:
 * - Paths are relative to the workspace folder and must stay inside it: an absolute path, a path with `..` that
 *   leaves it, or a symbolic link that leads out of it is refused with an error naming the entry; so is a file
 *   whose name does not end in .avsc, .proto or .json (JSON Schema), and a setting of the wrong shape.
 * - .avsc: bytes in Confluent's framing (magic byte 0, 4-byte schema id) are decoded after the 5-byte header;
 *   other bytes (or framed-looking bytes that do not decode so) as plain Avro binary, which must be consumed
 *   exactly. .proto: framed bytes choose the message by their message indexes; plain bytes are decoded as the
 *   message named after `#` (default: the file's first top-level message). .json: the payload (framed or not) is
 *   JSON text validated against the schema; a document that does not conform is still shown, with why.
 * - decode() returns undefined when no entry maps this topic and side; otherwise a decoded value with a caption
 *   ("Avro · local schemas/order.avsc"), or `{ error }` saying what is wrong (file missing, does not parse, bytes
 *   that do not decode). It never throws.
 * - A file is read again when its modification time or size changes; parsed schemas are cached per path.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as avro from 'avsc';
import type { ValidateFunction } from 'ajv';
import * as protobuf from 'protobufjs';
import { avroFormat } from '../../schema-registry/formats/avro';
import { compileJsonSchema } from '../../schema-registry/formats/json-schema';
import { protobufFormat } from '../../schema-registry/formats/protobuf';

export const LOCAL_SCHEMAS_SETTING = 'kafkaLite.schemas.localFiles';

export interface LocalSchemaSettings {
  /** The workspace folder paths are relative to; undefined when no folder is open. */
  root: string | undefined;
  /** The setting's value as VS Code gives it (validated here). */
  mapping: unknown;
}

export type Side = 'key' | 'value';

export type LocalDecodeResult = { value: unknown; caption: string; validationErrors?: string[] } | { error: string };

type Parsed =
  | { format: 'avro'; type: avro.Type }
  | { format: 'protobuf'; topLevel: protobuf.Type[]; chosen: protobuf.Type }
  | { format: 'json'; validate: ValidateFunction };

interface Entry {
  /** As written in the setting (for messages). */
  written: string;
  /** Absolute path, or the reason the entry is refused. */
  file: string | { error: string };
  message?: string;
}

const FORMAT_NAMES = { avro: 'Avro', protobuf: 'Protobuf', json: 'JSON Schema' } as const;
const EXTENSIONS: Record<string, Parsed['format']> = { '.avsc': 'avro', '.proto': 'protobuf', '.json': 'json' };

export class LocalSchemas {
  private parsedFor: { mapping: string; root: string | undefined; entries: Map<string, Entry | { error: string }> } = {
    mapping: '',
    root: undefined,
    entries: new Map(),
  };
  private readonly files = new Map<string, { stamp: string; parsed: Parsed | { error: string } }>();

  constructor(private readonly settings: () => LocalSchemaSettings) {}

  /** True when the setting maps anything for this topic (the filter and rows then ask decode()). */
  has(topic: string): boolean {
    const e = this.entries();
    return e.has(entryKey(topic, 'key')) || e.has(entryKey(topic, 'value')) || e.has(topicKey(topic));
  }

  decode(topic: string, side: Side, bytes: Buffer | null): LocalDecodeResult | undefined {
    const entries = this.entries();
    const bad = entries.get(topicKey(topic));
    const entry = entries.get(entryKey(topic, side)) ?? bad;
    if (!entry) return undefined;
    const where = `${LOCAL_SCHEMAS_SETTING}, topic "${topic}" ${side}`;
    if (!('written' in entry)) return { error: `${entry.error} (${where})` };
    if (typeof entry.file !== 'string') return { error: `${entry.file.error} (${where})` };
    if (bytes === null) return undefined;
    const parsed = this.load(entry.file, entry.written, entry.message);
    if ('error' in parsed) return { error: `${parsed.error} (${where})` };
    const caption = `${FORMAT_NAMES[parsed.format]} · local ${entry.written}`;
    try {
      return decodeWith(parsed, bytes, caption);
    } catch (e) {
      return { error: `does not decode with the local schema ${entry.written}: ${(e as Error).message}` };
    }
  }

  private entries(): Map<string, Entry | { error: string }> {
    const s = this.settings();
    const text = JSON.stringify(s.mapping ?? null);
    if (text === this.parsedFor.mapping && s.root === this.parsedFor.root) return this.parsedFor.entries;
    this.parsedFor = { mapping: text, root: s.root, entries: parseMapping(s.mapping, s.root) };
    return this.parsedFor.entries;
  }

  private load(file: string, written: string, message: string | undefined): Parsed | { error: string } {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return { error: `the local schema file ${written} does not exist` };
    }
    if (!stat.isFile()) return { error: `the local schema ${written} is not a file` };
    const stamp = `${stat.mtimeMs}:${stat.size}:${message ?? ''}`;
    const key = `${file}#${message ?? ''}`;
    const hit = this.files.get(key);
    if (hit && hit.stamp === stamp) return hit.parsed;
    let parsed: Parsed | { error: string };
    try {
      parsed = parseSchemaFile(fs.readFileSync(file, 'utf8'), EXTENSIONS[path.extname(file).toLowerCase()], message);
    } catch (e) {
      parsed = { error: `the local schema file ${written} does not parse: ${(e as Error).message}` };
    }
    this.files.set(key, { stamp, parsed });
    return parsed;
  }
}

const entryKey = (topic: string, side: Side) => JSON.stringify([topic, side]);
/** An entry for a whole topic that is wrong in shape (it applies to both sides). */
const topicKey = (topic: string) => JSON.stringify([topic]);

/** The setting's entries by (topic, side), each a resolved path or the reason it is refused. */
export function parseMapping(mapping: unknown, root: string | undefined): Map<string, Entry | { error: string }> {
  const out = new Map<string, Entry | { error: string }>();
  if (mapping === undefined || mapping === null) return out;
  if (typeof mapping !== 'object' || Array.isArray(mapping)) return out;
  for (const [topic, v] of Object.entries(mapping as Record<string, unknown>)) {
    if (typeof v === 'string') {
      out.set(entryKey(topic, 'value'), resolveEntry(v, root));
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const unknown = Object.keys(o).filter((k) => k !== 'key' && k !== 'value');
      if (unknown.length > 0) {
        out.set(topicKey(topic), {
          error: `unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}: use "key" and "value"`,
        });
        continue;
      }
      for (const side of ['key', 'value'] as const) {
        if (o[side] === undefined) continue;
        out.set(
          entryKey(topic, side),
          typeof o[side] === 'string' ? resolveEntry(o[side], root) : { error: `"${side}" must be a path (a string)` },
        );
      }
    } else {
      out.set(topicKey(topic), {
        error: 'the entry must be a path, or { "key": path, "value": path }',
      });
    }
  }
  return out;
}

/** A path of the setting as an absolute path inside the workspace folder, or why it is refused. */
export function resolveEntry(written: string, root: string | undefined): Entry {
  const hash = written.lastIndexOf('#');
  const rel = hash >= 0 ? written.slice(0, hash) : written;
  const message = hash >= 0 ? written.slice(hash + 1) : undefined;
  const shown = rel;
  const refuse = (error: string): Entry => ({ written: shown, file: { error } });
  if (!root) return refuse(`the local schema ${shown} needs an open workspace folder (paths are relative to it)`);
  if (rel.trim() === '') return refuse('the local schema path is empty');
  if (path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel) || rel.startsWith('\\'))
    return refuse(`the local schema path ${shown} is absolute: write it relative to the workspace folder`);
  const format = EXTENSIONS[path.extname(rel).toLowerCase()];
  if (!format) return refuse(`the local schema ${shown} is not a .avsc, .proto or .json (JSON Schema) file`);
  if (message !== undefined && format !== 'protobuf')
    return refuse(`the local schema ${written}: "#message" is only for .proto files`);
  const abs = path.resolve(root, rel);
  if (!inside(root, abs)) return refuse(`the local schema path ${shown} leads outside the workspace folder: refused`);
  // a symbolic link inside the folder must not lead out of it either
  try {
    const real = fs.realpathSync(abs);
    if (!inside(fs.realpathSync(root), real))
      return refuse(`the local schema ${shown} is a link to a file outside the workspace folder: refused`);
  } catch {
    // missing: reported when it is read (it may be created later)
  }
  return { written: shown, file: abs, message };
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function parseSchemaFile(text: string, format: Parsed['format'], message: string | undefined): Parsed {
  switch (format) {
    case 'avro':
      return { format, type: avroFormat.parse(text, []).type };
    case 'json':
      return { format, validate: compileJsonSchema(text, []) };
    case 'protobuf': {
      const p = protobufFormat.parse(text, []);
      const own = new Set(p.messages);
      const topLevel = p.messages
        .map((n) => p.root.lookupType(n))
        .filter((t) => !(t.parent instanceof protobuf.Type) && own.has(t.fullName.replace(/^\./, '')));
      let chosen = topLevel[0];
      if (message !== undefined) {
        const found = p.messages.find((n) => n === message || n.endsWith(`.${message}`));
        if (!found) throw new Error(`it defines no message "${message}" (it has ${p.messages.join(', ') || 'none'})`);
        chosen = p.root.lookupType(found);
      }
      if (!chosen) throw new Error('it defines no message');
      return { format, topLevel, chosen };
    }
  }
}

const HEADER = 5;
const framed = (b: Buffer) => b.length >= HEADER && b[0] === 0;

function decodeWith(p: Parsed, bytes: Buffer, caption: string): LocalDecodeResult {
  switch (p.format) {
    case 'avro': {
      if (framed(bytes)) {
        const r = avroExact(p.type, bytes.subarray(HEADER));
        if (r.ok)
          return { value: plain(r.value), caption: `${caption} (Confluent framing, id ${bytes.readInt32BE(1)})` };
      }
      const r = avroExact(p.type, bytes);
      if (!r.ok) throw new Error(r.why);
      return { value: plain(r.value), caption };
    }
    case 'protobuf': {
      if (framed(bytes)) {
        const { indexes, pos } = readIndexes(bytes, HEADER);
        let type: protobuf.Type | undefined = p.topLevel[indexes[0]];
        for (const i of indexes.slice(1)) type = type?.nestedArray.filter((n) => n instanceof protobuf.Type)[i];
        if (!type) throw new Error(`message indexes [${indexes.join(', ')}] name no message of the file`);
        const msg = type.decode(bytes.subarray(pos));
        return {
          value: type.toObject(msg, protobuf.util.toJSONOptions),
          caption: `${caption} (${type.fullName.replace(/^\./, '')}, Confluent framing, id ${bytes.readInt32BE(1)})`,
        };
      }
      const msg = p.chosen.decode(bytes);
      return {
        value: p.chosen.toObject(msg, protobuf.util.toJSONOptions),
        caption: `${caption} (${p.chosen.fullName.replace(/^\./, '')})`,
      };
    }
    case 'json': {
      const isFramed = framed(bytes);
      const text = (isFramed ? bytes.subarray(HEADER) : bytes).toString('utf8');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new Error(`the payload is not JSON: ${(e as Error).message}`, { cause: e });
      }
      const c = isFramed ? `${caption} (Confluent framing, id ${bytes.readInt32BE(1)})` : caption;
      if (p.validate(value)) return { value, caption: c };
      const errs = (p.validate.errors ?? []).map((er) => `${er.instancePath || '/'} ${er.message ?? 'is invalid'}`);
      return { value, caption: c, validationErrors: errs.length ? errs : ['does not conform to the schema'] };
    }
  }
}

function avroExact(type: avro.Type, payload: Buffer): { ok: true; value: unknown } | { ok: false; why: string } {
  try {
    const { value, offset } = type.decode(payload, 0);
    if (offset < 0) return { ok: false, why: `the Avro payload (${payload.length} bytes) ends before the record does` };
    if (offset !== payload.length)
      return { ok: false, why: `the Avro record ends at byte ${offset} of ${payload.length}: trailing bytes` };
    return { ok: true, value };
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
}

function readIndexes(b: Buffer, start: number): { indexes: number[]; pos: number } {
  const varint = (pos: number): { n: number; pos: number } => {
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
    return { n: result % 2 === 1 ? -(result + 1) / 2 : result / 2, pos };
  };
  let { n: count, pos } = varint(start);
  if (count === 0) return { indexes: [0], pos };
  if (count < 0 || count > 100) throw new Error(`the message index count ${count} is not plausible`);
  const indexes: number[] = [];
  while (count-- > 0) {
    const r = varint(pos);
    if (r.n < 0) throw new Error(`message index ${r.n} is negative`);
    indexes.push(r.n);
    pos = r.pos;
  }
  return { indexes, pos };
}

/** An avsc value as plain JSON data: Buffers (bytes, fixed) become base64 text, Maps objects. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = plain(x);
  return out;
}
