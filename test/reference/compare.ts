/**
 * What a client observes, made comparable: `normalise` turns a scenario's answers (decoded responses, record
 * batches as raw bytes) into plain JSON in which the things Kafka and Kafka Lite legitimately disagree on are
 * replaced by placeholders: cluster ids, node ids, hosts, ports, throttle times, broker-chosen timestamps,
 * generated member and producer ids (numbered by first appearance, so "the same member" still compares), free-text
 * error messages, and the order of independent entries (topics, partitions, configs, groups are sorted). Record
 * sets are decoded into batches and records. `compareAnswers` then applies the scenario's entry in
 * known-differences.ts (if any) and fails with both answers side by side when anything else differs; an entry
 * whose difference no longer occurs fails too, so the list stays honest.
 */
import { AssertionError } from 'assert';
import { decodeRecordBatches } from '../../src/broker/storage/record-batch';
import { GLOBAL_MASKS, KNOWN_DIFFERENCES, type KnownDifference } from './known-differences';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const NODE_KEYS = new Set(['nodeId', 'leaderId', 'controllerId']);
const NODE_LIST_KEYS = new Set(['replicaNodes', 'isrNodes']);
const MEMBER_KEYS = new Set(['memberId', 'leader']);
const DROP_KEYS = new Set(['errorMessage', 'batchIndexErrorMessage']);
const SORT_KEYS = [
  'name',
  'topic',
  'groupId',
  'resourceName',
  'clientId',
  'apiKey',
  'partitionIndex',
  'index',
  'partition',
];

class Names {
  private members = new Map<string, string>();
  private producers = new Map<number, string>();
  member(id: string): string {
    if (id === '') return '';
    let n = this.members.get(id);
    if (!n) this.members.set(id, (n = `<member-${this.members.size + 1}>`));
    return n;
  }
  producer(id: number): Json {
    if (id < 0) return id;
    let n = this.producers.get(id);
    if (!n) this.producers.set(id, (n = `<producer-${this.producers.size + 1}>`));
    return n;
  }
}

function text(b: Buffer | null): Json {
  if (b === null) return null;
  const s = b.toString('utf8');
  return /^[\x20-\x7e]*$/.test(s) ? s : `0x${b.toString('hex')}`;
}

function records(buf: Buffer, names: Names): Json {
  return decodeRecordBatches(buf).map((b) => ({
    baseOffset: b.baseOffset,
    lastOffset: b.lastOffset,
    producerId: names.producer(b.producerId),
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    compression: b.compression,
    timestampType: b.timestampType,
    isTransactional: b.isTransactional,
    isControl: b.isControl,
    records: b.records.map((r) => ({
      offset: r.offset,
      // A COMMIT/ABORT marker is stamped with the broker's clock when the coordinator writes it.
      timestamp: b.isControl ? '<time>' : r.timestamp,
      key: text(r.key),
      value: text(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
    })),
  }));
}

function sortKeyOf(items: Json[]): string | null {
  if (items.length < 2 || !items.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) return null;
  const objs = items as { [k: string]: Json }[];
  return SORT_KEYS.find((k) => objs.every((o) => typeof o[k] === 'string' || typeof o[k] === 'number')) ?? null;
}

function walk(v: unknown, key: string, names: Names): Json {
  if (v === undefined || v === null) return null;
  if (Buffer.isBuffer(v)) return key === 'records' ? records(v, names) : text(v);
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) {
    if (NODE_LIST_KEYS.has(key)) return v.map((n) => (typeof n === 'number' && n >= 0 ? '<node>' : n));
    // Sort before walking, so generated ids are numbered in the sorted order on both brokers.
    const raw = [...v] as Json[];
    const k = sortKeyOf(raw);
    if (k) {
      raw.sort((a, b) => {
        const x = (a as Record<string, Json>)[k] as string | number;
        const y = (b as Record<string, Json>)[k] as string | number;
        return x < y ? -1 : x > y ? 1 : 0;
      });
    }
    return raw.map((x) => walk(x, key, names));
  }
  if (typeof v === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (DROP_KEYS.has(k)) continue;
      if (k === 'throttleTimeMs') out[k] = 0;
      else if (k === 'clusterId') out[k] = x === null ? null : '<cluster>';
      else if (k === 'host') out[k] = '<host>';
      else if (k === 'port' && typeof x === 'number') out[k] = '<port>';
      else if (NODE_KEYS.has(k) && typeof x === 'number') out[k] = x >= 0 ? '<node>' : x;
      else if (k === 'logAppendTimeMs' && typeof x === 'number') out[k] = x >= 0 ? '<time>' : x;
      else if (MEMBER_KEYS.has(k) && typeof x === 'string') out[k] = names.member(x);
      else if (k === 'producerId' && typeof x === 'number') out[k] = names.producer(x);
      else out[k] = walk(x, k, names);
    }
    return out;
  }
  return v as Json;
}

/** The answers of one scenario on one broker, as comparable JSON. */
export function normalise(answers: unknown): Json {
  return walk(answers, '', new Names());
}

/**
 * A known-difference path: dotted keys, `[name=retention.ms]` for the element of a keyed array, `*` for any one
 * key or element (also inside a segment: `[groupId=g-*]`), `**` for any depth.
 */
export function parsePath(pattern: string): string[] {
  return [...pattern.matchAll(/\[([^\]]*)\]|[^.[\]]+/g)].map((m) => m[1] ?? m[0]);
}

function segmentMatches(p: string, seg: string): boolean {
  if (p === '*' || p === seg) return true;
  if (!p.includes('*')) return false;
  const re = new RegExp(
    `^${p
      .split('*')
      .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(seg);
}

function matches(pattern: string[], path: string[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [p, ...rest] = pattern;
  if (p === '**') return path.some((_, i) => matches(rest, path.slice(i))) || matches(rest, []);
  if (path.length === 0) return false;
  return segmentMatches(p, path[0]) && matches(rest, path.slice(1));
}

const MASKED = '<known difference>';

/** The path segment of an array element: `name=retention.ms` where the array is keyed (sorted), else its index. */
function segment(items: Json[], i: number): string {
  const k = sortKeyOf(items);
  return k ? `${k}=${String((items[i] as Record<string, Json>)[k])}` : String(i);
}

/**
 * Replace what the patterns match with a placeholder; a matched array element is dropped instead, so an entry
 * one broker has and the other lacks can be a known difference.
 */
function mask(v: Json, patterns: string[][], path: string[] = []): Json {
  if (patterns.some((p) => matches(p, path))) return MASKED;
  if (Array.isArray(v)) {
    const out: Json[] = [];
    v.forEach((x, i) => {
      const p = [...path, segment(v, i)];
      if (!patterns.some((pat) => matches(pat, p))) out.push(mask(x, patterns, p));
    });
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) out[k] = mask(x, patterns, [...path, k]);
    return out;
  }
  return v;
}

function flatten(v: Json, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(v)) {
    if (v.length === 0) out.set(path, '[]');
    v.forEach((x, i) => flatten(x, `${path}[${segment(v, i)}]`, out));
  } else if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) out.set(path, '{}');
    for (const k of keys) flatten(v[k], path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, JSON.stringify(v));
  }
  return out;
}

/** Both answers side by side, one line per leaf that differs (path: Kafka | Kafka Lite). */
export function sideBySide(kafka: Json, lite: Json): string {
  const a = flatten(kafka);
  const b = flatten(lite);
  const lines: string[] = [];
  for (const p of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(p) ?? '(absent)';
    const y = b.get(p) ?? '(absent)';
    if (x !== y) lines.push(`  ${p || '(root)'}:\n      Kafka:      ${x}\n      Kafka Lite: ${y}`);
  }
  return lines.join('\n');
}

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Compare one scenario's answers; throws an AssertionError describing every unexpected difference. `title` is
 * the scenario's key in KNOWN_DIFFERENCES.
 */
export function compareAnswers(title: string, kafkaRaw: unknown, liteRaw: unknown): void {
  const global = GLOBAL_MASKS.map((g) => parsePath(g.path));
  const kafka = mask(normalise(kafkaRaw), global);
  const lite = mask(normalise(liteRaw), global);
  const known: KnownDifference | undefined = KNOWN_DIFFERENCES[title];
  if (!known) {
    if (!same(kafka, lite)) {
      throw new AssertionError({
        message: `Kafka and Kafka Lite answer differently (not a known difference):\n${sideBySide(kafka, lite)}\n\nKafka:      ${JSON.stringify(kafka)}\nKafka Lite: ${JSON.stringify(lite)}`,
      });
    }
    return;
  }
  if (same(kafka, lite)) {
    throw new AssertionError({
      message: `the known difference "${title}" (${known.reason}) no longer occurs: both answer ${JSON.stringify(kafka)}; remove it from test/reference/known-differences.ts`,
    });
  }
  const patterns = known.paths.map(parsePath);
  const mk = mask(kafka, patterns);
  const ml = mask(lite, patterns);
  if (!same(mk, ml)) {
    throw new AssertionError({
      message: `Kafka and Kafka Lite differ beyond the known difference (${known.reason}):\n${sideBySide(mk, ml)}`,
    });
  }
}
