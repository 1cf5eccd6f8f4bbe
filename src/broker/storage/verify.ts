/**
 * verifyDataDir: a deep, read-only check of a data directory (what `kafka-dump-log --deep-iteration` offers,
 * for the whole folder). Every batch of every segment of every partition is checked (framing, magic, CRC-32C,
 * record count vs offset span, offsets following on from the previous batch, and, with `deep`, that its records
 * decompress and decode); every offset index entry must point at the start of the batch with its base offset;
 * every time index entry must sit at a batch boundary and carry the newest timestamp of the records before it;
 * every aborted-transaction index (.txnindex) must list exactly the segment's ABORT markers (txn-index.ts);
 * the meta files (topics.db, offsets.log, producer-ids.json, producer-state.json) are checked line by line.
 *
 * Contract: it never writes, renames or removes anything (files are opened read-only). It can run while a broker
 * of the same process uses the folder: each segment is read up to the size it had when its check began, in
 * one synchronous step, and the function yields to the event loop between segments; a segment removed meanwhile
 * (retention) is skipped. Another process writing the folder can make the newest bytes look torn: callers
 * outside the broker's process check the lock first (cli.ts refuses a folder locked by a live process).
 *
 * Severity: a problem at or after a partition's recovery point, with no clean-shutdown marker, is 'unflushed'
 * (never acknowledged to an acks=all producer; the next open cuts it); anything else is 'damage'. The report is
 * ok when nothing is 'damage'.
 *
 * Callers: src/cli.ts (`kafka-lite verify`), and a "Verify Data" command of the extension.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkOffsetLogFile } from '../offsets/offset-store';
import { readNextId } from '../producers/producer-state';
import { checkpointKey, readCheckpoint } from './checkpoints';
import {
  BATCH_HEADER_SIZE,
  checkBatch,
  decodeRecordBatches,
  isControlBatch,
  LOG_OVERHEAD,
  batchSizeAt,
  parseBatchHeader,
} from './record-batch';
import { OFFSET_INDEX_ENTRY, TIME_INDEX_ENTRY } from './sparse-index';
import { checkTopicsFile } from './topic-store';
import { readControlRecord } from './control-batch';
import { AbortedTxnDeriver, compareTxnIndex, txnIndexFileName } from './txn-index';
import type { TopicPartition } from '../../shared/topic-partition';
import { compareTopicPartitions } from '../../shared/topic-partition';

export interface VerifyProblem {
  /** The file, relative to the data directory (e.g. `topics/t-0/00000000000000000000.log`). */
  file: string;
  /** Byte position in the file, when the problem has one. */
  position?: number;
  /** Offset concerned, when known. */
  offset?: number;
  message: string;
  severity: 'damage' | 'unflushed';
}

export interface PartitionReport {
  topic: string;
  partition: number;
  ok: boolean;
  segments: number;
  batches: number;
  records: number;
  bytes: number;
  problems: VerifyProblem[];
}

export interface VerifyReport {
  dataDir: string;
  ok: boolean;
  /** The folder was closed cleanly (marker present): then every problem is damage. */
  cleanShutdown: boolean;
  partitions: PartitionReport[];
  /** Problems of files outside the partitions (meta files, directories without metadata). */
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  /** Also decompress and decode every record (default true). */
  deep?: boolean;
  /** Called after each segment (for a progress bar). */
  onProgress?: (done: { partition: string; segment: string }) => void;
}

const CHUNK = 4 * 1024 * 1024;
const SEGMENT_LOG = /^(\d{20})\.log$/;

/** Read-only positional reads of one file. */
class Reader {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkStart = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** [pos, pos + len) of the file (cached in chunks; shorter at the end of the file). */
  read(pos: number, len: number): { buf: Buffer; off: number } {
    if (pos < this.chunkStart || pos + len > this.chunkStart + this.chunk.length) {
      const want = Math.min(Math.max(len, CHUNK), this.size - pos);
      const buf = Buffer.allocUnsafe(Math.max(0, want));
      let got = 0;
      while (got < want) {
        const n = fs.readSync(this.fd, buf, got, want - got, pos + got);
        if (n === 0) break;
        got += n;
      }
      this.chunk = buf.subarray(0, got);
      this.chunkStart = pos;
    }
    return { buf: this.chunk, off: pos - this.chunkStart };
  }
}

function readOptional(file: string): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

interface SegmentContext {
  dataDir: string;
  dir: string;
  base: number;
  /** Offset the segment must start at (the previous segment's next offset), or null for the first segment. */
  expected: number | null;
  cleaned: boolean;
  deep: boolean;
  /** Problems at or past this position are 'unflushed' (Infinity when none are). */
  unflushedFrom: number;
  /** The partition's transactions so far (segments are verified in order). */
  txns: AbortedTxnDeriver;
}

interface SegmentResult {
  nextOffset: number;
  batches: number;
  records: number;
  bytes: number;
  problems: VerifyProblem[];
  /** The log file disappeared before it could be opened (retention while verifying). */
  gone: boolean;
  /** The scan stopped at a bad batch before the end of the file. */
  stopped: boolean;
}

function verifySegment(ctx: SegmentContext): SegmentResult {
  const name = String(ctx.base).padStart(20, '0');
  const rel = (suffix: string) =>
    path
      .relative(ctx.dataDir, path.join(ctx.dir, name + suffix))
      .split(path.sep)
      .join('/');
  const out: SegmentResult = {
    nextOffset: ctx.base,
    batches: 0,
    records: 0,
    bytes: 0,
    problems: [],
    gone: false,
    stopped: false,
  };
  /** `logPosition`: where in the .log the problem lies (decides the severity); defaults to `position`. */
  const problem = (file: string, message: string, position?: number, offset?: number, logPosition = position) =>
    out.problems.push({
      file,
      position,
      offset,
      message,
      severity: (logPosition ?? -1) >= ctx.unflushedFrom || ctx.unflushedFrom === 0 ? 'unflushed' : 'damage',
    });
  let fd: number;
  try {
    fd = fs.openSync(path.join(ctx.dir, name + '.log'), 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...out, gone: true };
    throw e;
  }
  try {
    // Indexes are read first: an entry written after this point may point past the size read below.
    const index = readOptional(path.join(ctx.dir, name + '.index'));
    const timeindex = readOptional(path.join(ctx.dir, name + '.timeindex'));
    const txnindex = readOptional(path.join(ctx.dir, txnIndexFileName(ctx.base)));
    const size = fs.fstatSync(fd).size;
    out.bytes = size;
    const r = new Reader(fd, size);
    if (ctx.expected !== null && ctx.expected !== ctx.base)
      problem(rel('.log'), `the segment starts at offset ${ctx.base} but the previous one ends at ${ctx.expected}`);
    // Batch starts (relative offset -> position) for the index checks, and the newest timestamp before each.
    const starts = new Map<number, number>();
    const newestBefore = new Map<number, number>();
    let newest = -1;
    let expected = ctx.base;
    let pos = 0;
    while (pos < size) {
      if (size - pos < BATCH_HEADER_SIZE) {
        problem(rel('.log'), `torn batch: ${size - pos} bytes at the end, less than a batch header`, pos, expected);
        break;
      }
      let { buf, off } = r.read(pos, BATCH_HEADER_SIZE);
      const batchSize = batchSizeAt(buf, off);
      if (batchSize < BATCH_HEADER_SIZE || batchSize > size - pos) {
        problem(
          rel('.log'),
          batchSize < BATCH_HEADER_SIZE
            ? `batchLength ${batchSize - LOG_OVERHEAD} is smaller than a batch header`
            : `torn batch: it says ${batchSize} bytes but the file has ${size - pos} left`,
          pos,
          expected,
        );
        break;
      }
      ({ buf, off } = r.read(pos, batchSize));
      const bad = checkBatch(buf, off, off + batchSize, ctx.cleaned);
      const h = parseBatchHeader(buf, off)!;
      if (bad) {
        problem(rel('.log'), bad.reason, pos, h.baseOffset);
        break;
      }
      if (ctx.cleaned ? h.baseOffset < expected : h.baseOffset !== expected) {
        problem(
          rel('.log'),
          `base offset ${h.baseOffset} where ${ctx.cleaned ? 'at least ' : ''}${expected} was expected`,
          pos,
          h.baseOffset,
        );
        break;
      }
      if (ctx.deep) {
        try {
          const [decoded] = decodeRecordBatches(buf.subarray(off, off + batchSize));
          if (!decoded || decoded.records.length !== h.recordCount)
            throw new Error(`${decoded?.records.length ?? 0} records decode, the header says ${h.recordCount}`);
        } catch (e) {
          problem(rel('.log'), `records do not decode: ${(e as Error).message}`, pos, h.baseOffset);
          break;
        }
      }
      ctx.txns.batch(
        h.producerId,
        h.attributes,
        h.baseOffset,
        isControlBatch(h.attributes) ? (readControlRecord(buf, off)?.type ?? null) : null,
      );
      starts.set(h.baseOffset - ctx.base, pos);
      newestBefore.set(h.baseOffset - ctx.base, newest);
      if (h.maxTimestamp > newest) newest = h.maxTimestamp;
      out.batches++;
      out.records += h.recordCount;
      expected = h.baseOffset + h.lastOffsetDelta + 1;
      pos += batchSize;
    }
    out.nextOffset = expected;
    out.stopped = pos < size;
    const end = pos; // the sound part
    newestBefore.set(expected - ctx.base, newest);
    if (index === null) problem(rel('.index'), 'the offset index file is missing (the next open rebuilds it)');
    else {
      const E = OFFSET_INDEX_ENTRY.entryBytes;
      if (index.length % E !== 0)
        problem(rel('.index'), `${index.length} bytes is not a whole number of ${E}-byte entries`, index.length);
      let last: [number, number] = [0, 0];
      for (let i = 0; i + E <= index.length; i += E) {
        const ro = OFFSET_INDEX_ENTRY.readKey(index, i);
        const p = OFFSET_INDEX_ENTRY.readValue(index, i);
        const at = `entry ${i / E} (${ro}, ${p})`;
        if (ro <= last[0] || p <= last[1]) problem(rel('.index'), `${at} does not increase`, i, ctx.base + ro, p);
        else if (p >= end) {
          if (p >= size || end === size)
            problem(rel('.index'), `${at} points past the end of the log (${size} bytes)`, i, ctx.base + ro, p);
        } else if (starts.get(ro) !== p)
          problem(
            rel('.index'),
            `${at}: the batch with base offset ${ctx.base + ro} does not start at byte ${p}`,
            i,
            ctx.base + ro,
            p,
          );
        last = [ro, p];
      }
    }
    for (const x of compareTxnIndex(txnindex, ctx.txns.takeSegment(), { from: ctx.base, to: expected }))
      problem(
        rel('.txnindex'),
        x.message,
        undefined,
        x.offset,
        x.offset === undefined ? undefined : (starts.get(x.offset - ctx.base) ?? end),
      );
    if (timeindex === null) problem(rel('.timeindex'), 'the time index file is missing (the next open rebuilds it)');
    else {
      const E = TIME_INDEX_ENTRY.entryBytes;
      if (timeindex.length % E !== 0)
        problem(
          rel('.timeindex'),
          `${timeindex.length} bytes is not a whole number of ${E}-byte entries`,
          timeindex.length,
        );
      let last: [number, number] = [-1, 0];
      for (let i = 0; i + E <= timeindex.length; i += E) {
        const t = TIME_INDEX_ENTRY.readKey(timeindex, i);
        const ro = TIME_INDEX_ENTRY.readValue(timeindex, i);
        const at = `entry ${i / E} (${t}, ${ro})`;
        const before = newestBefore.get(ro);
        const logAt = starts.get(ro) ?? end;
        if (t <= last[0] || ro <= last[1])
          problem(rel('.timeindex'), `${at} does not increase`, i, ctx.base + ro, logAt);
        else if (ro > expected - ctx.base) {
          if (end === size)
            problem(
              rel('.timeindex'),
              `${at} lies past the segment's next offset ${expected}`,
              i,
              ctx.base + ro,
              logAt,
            );
        } else if (before === undefined)
          problem(rel('.timeindex'), `${at}: offset ${ctx.base + ro} is not a batch boundary`, i, ctx.base + ro, logAt);
        else if (before !== t)
          problem(
            rel('.timeindex'),
            `${at}: the newest timestamp of the records before offset ${ctx.base + ro} is ${before}, not ${t}`,
            i,
            ctx.base + ro,
            logAt,
          );
        last = [t, ro];
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

function partitionDirs(dataDir: string): (TopicPartition & { dir: string })[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dataDir, 'topics'), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: (TopicPartition & { dir: string })[] = [];
  for (const e of entries) {
    const m = /^(.+)-(\d{1,5})$/.exec(e.name);
    if (e.isDirectory() && m)
      out.push({ topic: m[1], partition: Number(m[2]), dir: path.join(dataDir, 'topics', e.name) });
  }
  return out.sort(compareTopicPartitions);
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Check everything in `dataDir` (read-only); see the contract at the top of this file. */
export async function verifyDataDir(dataDir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const root = path.resolve(dataDir);
  if (!fs.statSync(root).isDirectory()) throw new Error(`${root} is not a directory`);
  const deep = opts.deep ?? true;
  const cleanShutdown = fs.existsSync(path.join(root, '.clean-shutdown'));
  const recoveryPoints = readCheckpoint(path.join(root, 'recovery-point-offset-checkpoint'), 2);
  const cleaner = readCheckpoint(path.join(root, 'cleaner-offset-checkpoint'), 1);
  const report: VerifyReport = { dataDir: root, ok: true, cleanShutdown, partitions: [], problems: [] };
  const damage = (file: string, message: string) => report.problems.push({ file, message, severity: 'damage' });

  const topics = checkTopicsFile(path.join(root, 'meta', 'topics.db'));
  for (const d of topics.damaged) damage('meta/topics.db', d);
  const offsets = checkOffsetLogFile(path.join(root, 'meta', 'offsets.log'));
  for (const d of offsets.damaged) damage('meta/offsets.log', d);
  if (offsets.torn) report.problems.push({ file: 'meta/offsets.log', message: offsets.torn, severity: 'unflushed' });
  const ids = readNextId(path.join(root, 'meta', 'producer-ids.json'));
  if (typeof ids === 'object') damage('meta/producer-ids.json', ids.problem);
  const state = readOptional(path.join(root, 'meta', 'producer-state.json'));
  if (state !== null) {
    try {
      JSON.parse(state.toString('utf8'));
    } catch (e) {
      damage('meta/producer-state.json', `invalid JSON (${(e as Error).message})`);
    }
  }

  const dirs = partitionDirs(root);
  const seen = new Set<string>();
  for (const { topic, partition, dir } of dirs) {
    const key = checkpointKey(topic, partition);
    seen.add(key);
    const known = topics.topics.get(topic);
    if (known === undefined)
      damage(
        path.relative(root, dir),
        `topic "${topic}" has no readable metadata in meta/topics.db (the next open adopts it)`,
      );
    const rp = cleanShutdown ? undefined : recoveryPoints.get(key);
    const part: PartitionReport = {
      topic,
      partition,
      ok: true,
      segments: 0,
      batches: 0,
      records: 0,
      bytes: 0,
      problems: [],
    };
    const bases = fs
      .readdirSync(dir)
      .map((f) => SEGMENT_LOG.exec(f)?.[1])
      .filter((b): b is string => b !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    let expected: number | null = null;
    const txns = new AbortedTxnDeriver();
    for (const base of bases) {
      let unflushedFrom = Infinity;
      if (!cleanShutdown) {
        if (!rp || base > rp[0]) unflushedFrom = 0;
        else if (base === rp[0]) unflushedFrom = rp[1];
      }
      const seg = verifySegment({
        dataDir: root,
        dir,
        base,
        expected,
        cleaned: base < (cleaner.get(key)?.[0] ?? 0),
        deep,
        unflushedFrom,
        txns,
      });
      opts.onProgress?.({ partition: `${topic}-${partition}`, segment: String(base).padStart(20, '0') });
      await yieldToLoop();
      if (seg.gone) continue;
      part.segments++;
      part.batches += seg.batches;
      part.records += seg.records;
      part.bytes += seg.bytes;
      part.problems.push(...seg.problems);
      // After a batch that stopped the scan the segment's end is unknown: do not blame the next one for it.
      expected = seg.stopped ? null : seg.nextOffset;
    }
    part.ok = part.problems.every((p) => p.severity !== 'damage');
    report.partitions.push(part);
  }
  for (const [name, count] of topics.topics)
    for (let p = 0; p < count; p++)
      if (!seen.has(checkpointKey(name, p)))
        damage(`topics/${name}-${p}`, `partition ${p} of topic "${name}" has no directory`);
  report.ok = report.partitions.every((p) => p.ok) && report.problems.every((p) => p.severity !== 'damage');
  return report;
}

/** The report as text lines: one per partition, then one per problem (for the CLI and an output channel). */
export function formatVerifyReport(r: VerifyReport): string[] {
  const lines: string[] = [];
  const where = (p: VerifyProblem) =>
    `${p.file}${p.position !== undefined ? ` byte ${p.position}` : ''}${p.offset !== undefined ? ` offset ${p.offset}` : ''}`;
  for (const p of r.partitions) {
    const status = p.ok ? (p.problems.length ? 'ok (unflushed tail)' : 'ok') : 'DAMAGED';
    lines.push(
      `${p.topic}-${p.partition}: ${status}; ${p.segments} segment(s), ${p.batches} batch(es), ${p.records} record(s), ${p.bytes} bytes`,
    );
    for (const x of p.problems) lines.push(`  ${x.severity}: ${where(x)}: ${x.message}`);
  }
  for (const x of r.problems) lines.push(`${x.severity}: ${where(x)}: ${x.message}`);
  lines.push(
    r.ok
      ? `verified ${r.partitions.length} partition(s) in ${r.dataDir}: no damage`
      : `verified ${r.partitions.length} partition(s) in ${r.dataDir}: DAMAGE FOUND`,
  );
  return lines;
}
