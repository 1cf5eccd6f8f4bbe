/**
 * Shared helpers of the storage tests: temp data dirs, a log manager on a FakeClock with events recorded, batch
 * builders (including re-compressing a batch's records with another codec), and a seeded PRNG.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeClock } from '../../../../src/broker/clock';
import type { StorageOptions } from '../../../../src/broker/storage/log-manager';
import { openLogManager } from '../../../../src/broker/storage/log-manager';
import type { EncodableRecord } from '../../../../src/broker/storage/record-batch';
import {
  computeBatchCrc,
  encodeRecordBatch,
  BATCH_HEADER_SIZE,
  OFFSET_ATTRIBUTES,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
} from '../../../../src/broker/storage/record-batch';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-storage-test-'));
}

export type Manager = Awaited<ReturnType<typeof openLogManager>>;

export interface Harness {
  dir: string;
  clock: FakeClock;
  events: { name: string; payload: unknown }[];
  logs: string[];
  open(extra?: Partial<StorageOptions>): Promise<Manager>;
}

export function harness(dir = tempDir(), clock = new FakeClock()): Harness {
  const h: Harness = {
    dir,
    clock,
    events: [],
    logs: [],
    open: (extra = {}) =>
      openLogManager({
        dataDir: dir,
        clock,
        flush: { intervalMs: 50 },
        logger: (level, message) => h.logs.push(`${level}: ${message}`),
        onEvent: (name, payload) => h.events.push({ name, payload }),
        ...extra,
      }),
  };
  return h;
}

export function rec(value: string, timestamp: number, key: string | null = null): EncodableRecord {
  return { key: key === null ? null : Buffer.from(key), value: Buffer.from(value), headers: [], timestamp };
}

export function batch(records: EncodableRecord[], compression: 0 | 1 = 0): Buffer {
  return encodeRecordBatch(records, { producerId: -1, producerEpoch: -1, baseSequence: -1, compression });
}

/** A batch of n records "prefix-i" with timestamps ts, ts+1, ... */
export function batchOf(n: number, prefix: string, ts: number, valueBytes = 0): Buffer {
  const recs: EncodableRecord[] = [];
  for (let i = 0; i < n; i++) recs.push(rec(`${prefix}-${i}`.padEnd(valueBytes, '.'), ts + i));
  return batch(recs);
}

/** Replace an uncompressed batch's records with `compressed` under codec `codec`, fixing length and CRC. */
export function withCompressedRecords(plain: Buffer, codec: number, compressed: Uint8Array): Buffer {
  const out = Buffer.concat([plain.subarray(0, BATCH_HEADER_SIZE), Buffer.from(compressed)]);
  out.writeInt32BE(out.length - 12, OFFSET_BATCH_LENGTH);
  out.writeInt16BE((out.readInt16BE(OFFSET_ATTRIBUTES) & ~7) | codec, OFFSET_ATTRIBUTES);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), OFFSET_CRC);
  return out;
}

/** Append through the manager's validated path; returns the base offset. */
export function append(m: Manager, topic: string, partition: number, recordSet: Buffer): number {
  const headers = m.parseRecordSet(topic, partition, recordSet);
  return m.appendValidated(topic, partition, recordSet, headers).baseOffset;
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bytes of every file in a partition directory, for byte-for-byte comparisons. */
export function snapshotDir(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of fs.readdirSync(dir).sort()) out.set(f, fs.readFileSync(path.join(dir, f)));
  return out;
}

export function fixture(name: string): Buffer {
  const candidates = [path.resolve(process.cwd(), 'test/fixtures/storage', name)];
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d))
    candidates.push(path.join(d, 'test/fixtures/storage', name));
  for (const c of candidates) if (fs.existsSync(c)) return fs.readFileSync(c);
  throw new Error(`fixture ${name} not found (looked in ${candidates[0]} and above ${__dirname})`);
}

/** Bit-at-a-time CRC-32C straight from the polynomial: an independent reference for the table-driven one. */
export function referenceCrc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
