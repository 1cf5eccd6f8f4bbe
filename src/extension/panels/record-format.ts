/**
 * How a record's bytes are shown to a person: UTF-8 text when the bytes are printable text, pretty-printed JSON
 * when that text is JSON, otherwise hex. With a schema decoder, bytes in Confluent's wire format are shown as
 * their decoded JSON with a caption naming format, subject, version and id ("Avro · orders-value v3 (id 7)");
 * bytes whose schema cannot decode them are shown as hex with the error as the caption. Pure functions (the
 * decoder only caches parsed schemas), used by the record browser and stepper controllers.
 */
import type { ConsumedRecord } from '../../broker/types';
import type { SchemaDecoder } from '../../schema-registry/decode';
import { describeDecoded } from '../../schema-registry/decode';
import type { RecordRow } from '../../shared/browser-messages';

const MAX_SHOWN = 64 * 1024;

export type BytesKind = 'text' | 'json' | 'binary' | 'null';

export function isPrintableText(s: string): boolean {
  if (s.includes('\uFFFD')) return false;
  // control characters other than tab, newline, carriage return mean binary
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s);
}

export function renderBytes(b: Buffer | null): { text: string | null; kind: BytesKind } {
  if (b === null) return { text: null, kind: 'null' };
  const slice = b.length > MAX_SHOWN ? b.subarray(0, MAX_SHOWN) : b;
  const more = b.length > MAX_SHOWN ? ` … (${b.length} bytes)` : '';
  const s = slice.toString('utf8');
  if (isPrintableText(s)) {
    const t = s.trim();
    if (!more && (t.startsWith('{') || t.startsWith('['))) {
      try {
        return { text: JSON.stringify(JSON.parse(t), null, 2), kind: 'json' };
      } catch {
        // text that only looks like JSON
      }
    }
    return { text: s + more, kind: 'text' };
  }
  return { text: hex(slice) + more, kind: 'binary' };
}

export function hex(b: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i < b.length; i++) parts.push(b[i].toString(16).padStart(2, '0'));
  return parts.join(' ');
}

/** Compact text for one-line lists (poll results): text as is, binary as hex. */
export function shortText(b: Buffer | null, max = 200): string | null {
  if (b === null) return null;
  const s = b.subarray(0, max * 4).toString('utf8');
  const t = isPrintableText(s) ? s : hex(b.subarray(0, Math.ceil(max / 3)));
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

export interface RenderedBytes {
  text: string | null;
  kind: BytesKind;
  /** Set when the bytes are in Confluent's wire format: what decoded them, or why they could not be decoded. */
  schema?: string;
}

/** renderBytes, but bytes in Confluent's wire format are decoded with their schema first. */
export function renderSchemaBytes(
  b: Buffer | null,
  decoder: SchemaDecoder | undefined,
  subject: string,
): RenderedBytes {
  const d = decoder?.decode(b, subject);
  if (!d || b === null) return renderBytes(b);
  if ('error' in d) return { ...renderBytes(b), kind: 'binary', text: renderHex(b), schema: `Not decoded: ${d.error}` };
  const invalid = d.validationErrors ? ` · does not match its schema: ${d.validationErrors.join('; ')}` : '';
  return { text: JSON.stringify(d.value, null, 2), kind: 'json', schema: describeDecoded(d) + invalid };
}

function renderHex(b: Buffer): string {
  return b.length > MAX_SHOWN ? `${hex(b.subarray(0, MAX_SHOWN))} … (${b.length} bytes)` : hex(b);
}

export function toRow(r: ConsumedRecord, decoder?: SchemaDecoder): RecordRow {
  const k = renderSchemaBytes(r.key, decoder, `${r.topic}-key`);
  const v = renderSchemaBytes(r.value, decoder, `${r.topic}-value`);
  const row: RecordRow = {
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: k.text,
    keyKind: k.kind,
    value: v.text,
    valueKind: v.kind,
    headers: r.headers.map((h) => ({ key: h.key, value: renderBytes(h.value).text })),
    compression: r.compression,
  };
  if (k.schema !== undefined) row.keySchema = k.schema;
  if (v.schema !== undefined) row.valueSchema = v.schema;
  return row;
}

/** A record as JSON for the clipboard: text stays text, binary becomes base64 with a marker. */
export function recordAsJson(r: ConsumedRecord): string {
  const enc = (b: Buffer | null): unknown => {
    if (b === null) return null;
    const s = b.toString('utf8');
    return isPrintableText(s) ? s : { base64: b.toString('base64') };
  };
  return JSON.stringify(
    {
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: enc(r.key),
      value: enc(r.value),
      headers: Object.fromEntries(r.headers.map((h) => [h.key, enc(h.value)])),
    },
    null,
    2,
  );
}
