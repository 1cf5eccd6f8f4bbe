/**
 * Helpers of the verify tests: a real data folder (meta files and clean-shutdown marker written by the log manager)
 * whose partition directories are then written byte by byte, so a test states exactly which batch, index entry or
 * meta line is wrong and can assert the finding verify reports for it. Also: index file builders, the crash state
 * (no clean-shutdown marker, chosen recovery points), and a snapshot of every byte to prove verify wrote nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeCheckpoint } from '../../../../src/broker/storage/checkpoints';
import { encodeRecordBatch, OFFSET_CRC, computeBatchCrc } from '../../../../src/broker/storage/record-batch';
import { harness } from './helpers';

/** A folder closed cleanly with the given topics (name -> partition count), every partition directory empty. */
export async function emptyFolder(topics: Record<string, number>): Promise<string> {
  const h = harness();
  const m = await h.open();
  for (const [name, count] of Object.entries(topics)) await m.createTopic(name, count);
  await m.close();
  for (const [name, count] of Object.entries(topics))
    for (let p = 0; p < count; p++) {
      const dir = partitionDir(h.dir, name, p);
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true });
    }
  return h.dir;
}

export function partitionDir(dataDir: string, topic: string, partition: number): string {
  return path.join(dataDir, 'topics', `${topic}-${partition}`);
}

export const segName = (base: number, suffix: string) => String(base).padStart(20, '0') + suffix;

/** One uncompressed batch of `n` records at offsets base.. with timestamps ts, ts+1, ... */
export function batchAt(base: number, n: number, ts: number, opts: { producerId?: number } = {}): Buffer {
  const records = Array.from({ length: n }, (_, i) => ({
    key: null,
    value: Buffer.from(`value-${base + i}`),
    headers: [],
    timestamp: ts + i,
  }));
  return encodeRecordBatch(records, {
    producerId: opts.producerId ?? -1,
    producerEpoch: opts.producerId === undefined ? -1 : 0,
    baseSequence: opts.producerId === undefined ? -1 : 0,
    compression: 0,
    baseOffset: base,
  });
}

/** The batch with its CRC recomputed (after a test changed a byte the CRC covers on purpose). */
export function resealed(batch: Buffer): Buffer {
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), OFFSET_CRC);
  return batch;
}

/** .index bytes: (relative offset, position) entries. */
export function offsetIndex(entries: [number, number][]): Buffer {
  const b = Buffer.alloc(entries.length * 8);
  entries.forEach(([ro, pos], i) => {
    b.writeInt32BE(ro, i * 8);
    b.writeInt32BE(pos, i * 8 + 4);
  });
  return b;
}

/** .timeindex bytes: (timestamp, relative offset) entries. */
export function timeIndex(entries: [number, number][]): Buffer {
  const b = Buffer.alloc(entries.length * 12);
  entries.forEach(([ts, ro], i) => {
    b.writeBigInt64BE(BigInt(ts), i * 12);
    b.writeInt32BE(ro, i * 12 + 8);
  });
  return b;
}

export interface SegmentFiles {
  /** The .log bytes: batches (and any torn tail) concatenated. */
  log: Buffer[];
  /** Default: empty (a valid index with no entries); null: no file. */
  index?: Buffer | null;
  timeindex?: Buffer | null;
  /** Default: no file. */
  txnindex?: Buffer;
}

/** Write one segment of a partition; returns the byte position of each element of `log`, and the size. */
export function writeSegment(
  dataDir: string,
  topic: string,
  partition: number,
  base: number,
  files: SegmentFiles,
): { positions: number[]; size: number } {
  const dir = partitionDir(dataDir, topic, partition);
  fs.mkdirSync(dir, { recursive: true });
  const positions: number[] = [];
  let size = 0;
  for (const b of files.log) {
    positions.push(size);
    size += b.length;
  }
  fs.writeFileSync(path.join(dir, segName(base, '.log')), Buffer.concat(files.log));
  const put = (suffix: string, bytes: Buffer | null) => {
    if (bytes !== null) fs.writeFileSync(path.join(dir, segName(base, suffix)), bytes);
  };
  put('.index', files.index === undefined ? Buffer.alloc(0) : files.index);
  put('.timeindex', files.timeindex === undefined ? Buffer.alloc(0) : files.timeindex);
  if (files.txnindex) put('.txnindex', files.txnindex);
  return { positions, size };
}

/** Turn the folder into one left by a crash: no clean-shutdown marker; recovery points "topic partition" -> [segment base, position]. */
export function crashed(dataDir: string, recoveryPoints: Record<string, [number, number]>): void {
  fs.rmSync(path.join(dataDir, '.clean-shutdown'), { force: true });
  writeCheckpoint(
    path.join(dataDir, 'recovery-point-offset-checkpoint'),
    new Map(Object.entries(recoveryPoints).map(([k, v]) => [k, v])),
    false,
  );
}

/** The cleaner's checkpoint: "topic partition" -> the offset below which segments have been compacted. */
export function cleanedBelow(dataDir: string, offsets: Record<string, number>): void {
  writeCheckpoint(
    path.join(dataDir, 'cleaner-offset-checkpoint'),
    new Map(Object.entries(offsets).map(([k, v]) => [k, [v]])),
    false,
  );
}

/** Every file under dir with its mtime and bytes (to prove nothing was touched). */
export function everyByte(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile())
        out.set(path.relative(dir, p), `${fs.statSync(p).mtimeMs} ${fs.readFileSync(p).toString('base64')}`);
    }
  };
  walk(dir);
  return out;
}
