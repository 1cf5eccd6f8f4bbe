/**
 * Records as files a person can read back: JSON Lines (one object per line), JSON (one array) and CSV (RFC 4180,
 * one header row), and a record as a kcat command that prints it again. Pure functions and a small incremental
 * encoder; used by the record browser's export (browser-controller.ts) and its unit tests.
 *
 * Contract: a key, value or header value that is printable UTF-8 text is written as that text; any other bytes are
 * written as base64 and marked (JSON: `{"base64": "…"}`; CSV: the `key_encoding` / `value_encoding` column says
 * `base64`), so the export decodes back to the exact bytes. null stays null (CSV: an empty cell and encoding
 * `null`). Timestamps are milliseconds since 1970 plus an ISO 8601 UTC copy for reading.
 */
import type { ConsumedRecord } from '../../broker/types';
import type { ExportFormatId } from '../../shared/browser-messages';
import { isPrintableText } from './record-format';

export type ExportFormat = ExportFormatId;

export const EXPORT_FORMATS: Readonly<Record<ExportFormat, { label: string; extension: string }>> = {
  jsonl: { label: 'JSON Lines', extension: 'jsonl' },
  json: { label: 'JSON', extension: 'json' },
  csv: { label: 'CSV', extension: 'csv' },
};

/** Bytes as export text: the text itself, or base64 when they are not printable UTF-8. */
export type ExportedBytes = string | { base64: string } | null;

export function exportBytes(b: Buffer | null): ExportedBytes {
  if (b === null) return null;
  const s = b.toString('utf8');
  return isPrintableText(s) ? s : { base64: b.toString('base64') };
}

/** One record as the object JSON Lines and JSON exports write. */
export function exportObject(r: ConsumedRecord): Record<string, unknown> {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType === 1 ? 'LogAppendTime' : 'CreateTime',
    time: isoTime(r.timestamp),
    key: exportBytes(r.key),
    value: exportBytes(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: exportBytes(h.value) })),
  };
}

function isoTime(ms: number): string | null {
  return ms >= 0 && ms <= 8_640_000_000_000_000 ? new Date(ms).toISOString() : null;
}

export const CSV_COLUMNS = [
  'topic',
  'partition',
  'offset',
  'timestamp',
  'time',
  'key',
  'key_encoding',
  'value',
  'value_encoding',
  'headers',
] as const;

/** A CSV field: quoted when it holds a comma, a quote, a line break or leading/trailing spaces (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvBytes(b: Buffer | null): [string, string] {
  const e = exportBytes(b);
  if (e === null) return ['', 'null'];
  return typeof e === 'string' ? [e, 'utf8'] : [e.base64, 'base64'];
}

export function csvRow(r: ConsumedRecord): string {
  const [key, keyEnc] = csvBytes(r.key);
  const [value, valueEnc] = csvBytes(r.value);
  const headers = r.headers.length
    ? JSON.stringify(r.headers.map((h) => ({ key: h.key, value: exportBytes(h.value) })))
    : '';
  return [
    r.topic,
    String(r.partition),
    String(r.offset),
    String(r.timestamp),
    isoTime(r.timestamp) ?? '',
    key,
    keyEnc,
    value,
    valueEnc,
    headers,
  ]
    .map(csvField)
    .join(',');
}

/**
 * Turns records into the text of an export, piece by piece, so a large export never holds the whole file:
 * start(), then record() for each record, then end(); concatenated, the pieces are the file.
 */
export class ExportEncoder {
  private count = 0;
  constructor(readonly format: ExportFormat) {}

  start(): string {
    if (this.format === 'csv') return `${CSV_COLUMNS.join(',')}\r\n`;
    return this.format === 'json' ? '[' : '';
  }

  record(r: ConsumedRecord): string {
    const first = this.count === 0;
    this.count++;
    switch (this.format) {
      case 'jsonl':
        return `${JSON.stringify(exportObject(r))}\n`;
      case 'json':
        return `${first ? '\n' : ',\n'}  ${JSON.stringify(exportObject(r))}`;
      case 'csv':
        return `${csvRow(r)}\r\n`;
    }
  }

  end(): string {
    if (this.format === 'json') return this.count === 0 ? ']\n' : '\n]\n';
    return '';
  }

  get records(): number {
    return this.count;
  }
}

/** The whole export of `records` as one string (small exports and tests). */
export function encodeRecords(records: Iterable<ConsumedRecord>, format: ExportFormat): string {
  const e = new ExportEncoder(format);
  let out = e.start();
  for (const r of records) out += e.record(r);
  return out + e.end();
}

/** A POSIX shell word: as is when it is plainly safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9._\-:/@=+,]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The kcat command that prints this one record again from the running broker: consume (-C) the record's partition
 * from its offset, one message (-c 1), exit at the partition's end (-e), as JSON with its key, headers and value (-J).
 * `properties` are librdkafka's `name=value` settings for a secured cluster (`-X` each); a value `$VARIABLE`
 * (the password) is left for the shell to expand, in double quotes.
 */
export function kcatCommand(
  bootstrap: string,
  r: Pick<ConsumedRecord, 'topic' | 'partition' | 'offset'>,
  properties: readonly string[] = [],
): string {
  const property = (p: string) => {
    const m = /^([^=]+)=\$([A-Z_][A-Z0-9_]*)$/.exec(p);
    return m ? `${shellWord(`${m[1]}=`)}"$${m[2]}"` : shellWord(p);
  };
  return [
    'kcat',
    '-C',
    '-b',
    shellWord(bootstrap),
    ...properties.flatMap((p) => ['-X', property(p)]),
    '-t',
    shellWord(r.topic),
    '-p',
    String(r.partition),
    '-o',
    String(r.offset),
    '-c',
    '1',
    '-e',
    '-J',
  ].join(' ');
}
