/**
 * The registry's durable state: the compacted topic `_schemas` of the broker itself (one partition,
 * cleanup.policy=compact), as Confluent's registry keeps its state in Kafka. Every change is one or more records
 * whose key and value are JSON (grammar and recovery rule: docs/LOG_FORMAT.md, "The _schemas topic"):
 *
 *   SCHEMA          {"keytype":"SCHEMA","subject":s,"version":v,"magic":1}  → the version (deleted flag included); null: gone
 *   CONFIG          {"keytype":"CONFIG","subject":s|null,"magic":0}         → {"compatibilityLevel":L}; null: unset
 *   MODE            {"keytype":"MODE","subject":s|null,"magic":0}           → {"mode":M}; null: unset
 *   DELETE_SUBJECT  {"keytype":"DELETE_SUBJECT","subject":s,"magic":0}      → {"subject":s,"version":v}: versions ≤ v soft-deleted
 *   MAX_ID          {"keytype":"MAX_ID","magic":0}                          → {"maxId":n}: ids ≤ n are never handed out again
 *
 * Keys are written with a fixed field order, so one logical key is always the same bytes (what compaction keys on).
 * A change's records go in one record batch (one append), so a crash keeps all of them or none.
 * Readers replay from the log start in offset order; the latest record of a key wins.
 *
 * `SchemaLog` is the storage contract the engine needs; `brokerSchemaLog` implements it on a Broker (produce and
 * readRecords, then flush before a write is acknowledged). No net or http here.
 */
import type { Broker } from '../broker/broker';
import type { CompatibilityLevel, Mode, SchemaReference, SchemaType } from './types';
import { COMPATIBILITY_LEVELS, MODES, SCHEMA_TYPES } from './types';

export const SCHEMAS_TOPIC = '_schemas';

export type LogKey =
  | { keytype: 'SCHEMA'; subject: string; version: number }
  | { keytype: 'CONFIG'; subject: string | null }
  | { keytype: 'MODE'; subject: string | null }
  | { keytype: 'DELETE_SUBJECT'; subject: string }
  | { keytype: 'MAX_ID' };

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  references: SchemaReference[];
  schema: string;
  deleted: boolean;
}

export type LogRecord =
  | { key: Extract<LogKey, { keytype: 'SCHEMA' }>; value: SchemaValue | null }
  | { key: Extract<LogKey, { keytype: 'CONFIG' }>; value: { compatibilityLevel: CompatibilityLevel } | null }
  | { key: Extract<LogKey, { keytype: 'MODE' }>; value: { mode: Mode } | null }
  | { key: Extract<LogKey, { keytype: 'DELETE_SUBJECT' }>; value: { subject: string; version: number } }
  | { key: Extract<LogKey, { keytype: 'MAX_ID' }>; value: { maxId: number } };

/** The key's bytes: fields in a fixed order. */
export function encodeKey(key: LogKey): string {
  switch (key.keytype) {
    case 'SCHEMA':
      return JSON.stringify({ keytype: 'SCHEMA', subject: key.subject, version: key.version, magic: 1 });
    case 'CONFIG':
    case 'MODE':
    case 'DELETE_SUBJECT':
      return JSON.stringify({ keytype: key.keytype, subject: key.subject, magic: 0 });
    case 'MAX_ID':
      return JSON.stringify({ keytype: 'MAX_ID', magic: 0 });
  }
}

export function encodeValue(record: LogRecord): string | null {
  if (record.value === null) return null;
  if (record.key.keytype === 'SCHEMA') {
    const v = record.value as SchemaValue;
    return JSON.stringify({
      subject: v.subject,
      version: v.version,
      id: v.id,
      ...(v.schemaType === 'AVRO' ? {} : { schemaType: v.schemaType }),
      ...(v.references.length > 0 ? { references: v.references } : {}),
      schema: v.schema,
      deleted: v.deleted,
    });
  }
  return JSON.stringify(record.value);
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isVersion = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;
const isSubject = (v: unknown): v is string => typeof v === 'string';

function parse(text: string | null): unknown {
  if (text === null) return null;
  return JSON.parse(text) as unknown;
}

function isReference(r: unknown): r is SchemaReference {
  return isObj(r) && typeof r.name === 'string' && isSubject(r.subject) && isVersion(r.version);
}

/**
 * One stored record back to its meaning. Returns a string saying why when the record is not one this registry
 * understands (the replay skips it with a warning: the recovery rule of LOG_FORMAT.md).
 */
export function decodeRecord(keyText: string | null, valueText: string | null): LogRecord | string {
  if (keyText === null) return 'a record without a key';
  let key: unknown;
  let value: unknown;
  try {
    key = parse(keyText);
    value = parse(valueText);
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  if (!isObj(key) || typeof key.keytype !== 'string') return 'a key without a keytype';
  const subjectOrNull = key.subject === null || key.subject === undefined ? null : key.subject;
  switch (key.keytype) {
    case 'SCHEMA': {
      if (!isSubject(key.subject) || !isVersion(key.version)) return 'a SCHEMA key without subject and version';
      const k = { keytype: 'SCHEMA' as const, subject: key.subject, version: key.version };
      if (value === null) return { key: k, value: null };
      if (!isObj(value) || typeof value.schema !== 'string' || !Number.isInteger(value.id) || (value.id as number) < 1)
        return 'a SCHEMA value without schema and id';
      const schemaType = value.schemaType ?? 'AVRO';
      if (!SCHEMA_TYPES.includes(schemaType as SchemaType)) return `unknown schemaType ${JSON.stringify(schemaType)}`;
      const refs = value.references ?? [];
      if (!Array.isArray(refs) || !refs.every(isReference)) return 'malformed references';
      return {
        key: k,
        value: {
          subject: key.subject,
          version: key.version,
          id: value.id as number,
          schemaType: schemaType as SchemaType,
          references: refs.map((r) => ({ name: r.name, subject: r.subject, version: r.version })),
          schema: value.schema,
          deleted: value.deleted === true,
        },
      };
    }
    case 'CONFIG': {
      if (subjectOrNull !== null && !isSubject(subjectOrNull)) return 'a CONFIG key with a bad subject';
      const k = { keytype: 'CONFIG' as const, subject: subjectOrNull };
      if (value === null) return { key: k, value: null };
      const level = isObj(value) ? value.compatibilityLevel : undefined;
      if (!COMPATIBILITY_LEVELS.includes(level as CompatibilityLevel))
        return `unknown compatibilityLevel ${JSON.stringify(level)}`;
      return { key: k, value: { compatibilityLevel: level as CompatibilityLevel } };
    }
    case 'MODE': {
      if (subjectOrNull !== null && !isSubject(subjectOrNull)) return 'a MODE key with a bad subject';
      const k = { keytype: 'MODE' as const, subject: subjectOrNull };
      if (value === null) return { key: k, value: null };
      const mode = isObj(value) ? value.mode : undefined;
      if (!MODES.includes(mode as Mode)) return `unknown mode ${JSON.stringify(mode)}`;
      return { key: k, value: { mode: mode as Mode } };
    }
    case 'DELETE_SUBJECT': {
      if (!isSubject(key.subject) || !isObj(value) || !isVersion(value.version))
        return 'a DELETE_SUBJECT record without subject and version';
      return {
        key: { keytype: 'DELETE_SUBJECT', subject: key.subject },
        value: { subject: key.subject, version: value.version },
      };
    }
    case 'MAX_ID': {
      if (!isObj(value) || !Number.isInteger(value.maxId)) return 'a MAX_ID record without maxId';
      return { key: { keytype: 'MAX_ID' }, value: { maxId: value.maxId as number } };
    }
    default:
      return `unknown keytype ${JSON.stringify(key.keytype)}`;
  }
}

/** Where the registry's records live. */
export interface SchemaLog {
  /** Every stored record (key and value text), oldest first. */
  readAll(): { key: string | null; value: string | null }[];
  /** Append the records as one batch; resolves when they are durable. `recreated` is true when the store was
   *  missing (someone deleted the topic) and was made again empty before this append. */
  append(records: LogRecord[]): Promise<{ recreated: boolean }>;
  /** Make sure the store exists; true when it had to be (re)created. */
  ensure(): Promise<boolean>;
}

/** `_schemas` (or `topic`) on a broker: created with one partition and cleanup.policy=compact when missing. */
export function brokerSchemaLog(broker: Broker, topic = SCHEMAS_TOPIC): SchemaLog {
  const ensure = async (): Promise<boolean> => {
    if (broker.getTopic(topic)) return false;
    await broker.createTopic(topic, 1, { 'cleanup.policy': 'compact' });
    return true;
  };
  return {
    ensure,
    readAll() {
      const out: { key: string | null; value: string | null }[] = [];
      if (!broker.getTopic(topic)) return out;
      const info = broker.partitionInfo(topic, 0);
      let offset = info.logStartOffset;
      while (offset < info.logEndOffset) {
        const batch = broker.readRecords(topic, 0, offset, 1000, 4 << 20);
        if (batch.length === 0) break;
        for (const r of batch) {
          out.push({ key: r.key?.toString('utf8') ?? null, value: r.value?.toString('utf8') ?? null });
        }
        offset = batch[batch.length - 1].offset + 1;
      }
      return out;
    },
    async append(records) {
      const recreated = await ensure();
      await broker.produce(
        topic,
        records.map((r) => ({ key: encodeKey(r.key), value: encodeValue(r) })),
        { partition: 0 },
      );
      await broker.flush();
      return { recreated };
    },
  };
}
