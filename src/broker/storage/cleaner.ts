/**
 * The log cleaner of compacted topics (cleanup.policy=compact): rewrites a partition's closed, fsynced segments so
 * that they keep only the latest record of each key.
 *
 * What a cleaned segment keeps, batch by batch (every kept record keeps its offset; offsets only get gaps):
 * - a record whose key has no later record anywhere in the partition (the active segment included);
 * - except a tombstone (null value) whose batch is older than delete.retention.ms, and a record without a key
 *   (Kafka refuses those for compacted topics; one can only be there from before the policy changed);
 * - control batches as they are, except a transaction marker older than delete.retention.ms whose transaction has
 *   no batch left (never the segment's last batch);
 * - nothing of an aborted transaction's records (they never count as a key's latest value either), and records
 *   from the first unstable offset (the first offset of the earliest open transaction) on count for nothing yet,
 *   and cleaning stops at the first segment reaching it (cleaner-txn.ts);
 * - a batch that lost some records is rewritten uncompressed with the records it keeps (same base offset, offset
 *   span, timestamps and producer fields); one that lost all of them is dropped, unless it is the segment's last
 *   batch (it carries the segment's next offset) or its producer's latest batch (it carries the producer's last
 *   sequence, as in Kafka): those stay as a header with no records.
 *
 * Which segments: the closed ones before the recovery point (so fsynced), oldest first, stopping at the first whose
 * newest record is younger than min.compaction.lag.ms. The periodic pass cleans a partition when the part of those
 * segments not cleaned before is at least min.cleanable.dirty.ratio of them, or its oldest is older than
 * max.compaction.lag.ms; `force` (Compact Topic Now) cleans whatever is cleanable.
 *
 * Crash safety: each replacement is written to `<base>.log.cleaned` and fsynced; then the cleaner checkpoint is
 * saved (segments below it may have offset gaps, which recovery otherwise treats as corruption); then each
 * segment's indexes are emptied and the replacement renamed over its log file, and the directory fsynced. A crash
 * before a rename leaves the old segment (the temporary file is removed on open); after it, the new one; an empty
 * index only costs a header scan. It reads the whole partition once, in slices of ~8 ms on the broker's thread
 * (so the broker keeps serving); the swap itself is synchronous.
 *
 * Callers: retention-scheduler.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, KafkaError } from '../errors';
import type { CompactionStats } from '../types';
import type { EffectiveConfig } from './configs';
import { fsyncDir } from './checkpoints';
import type { PartitionLog } from './partition-log';
import { CLEANED_SUFFIX } from './partition-log';
import { isControlBatch, isTransactionalBatch, rebuildBatch, splitBatch } from './record-batch';
import { CleanerTxnView } from './cleaner-txn';
import type { LogSegment, StorageIo } from './segment';
import { segmentFileName } from './segment';

/** How many of the oldest segments may be cleaned now (closed, fsynced, older than min.compaction.lag.ms). */
export function cleanableSegmentCount(log: PartitionLog, now: number, config: EffectiveConfig): number {
  const rp = log.recoveryPoint;
  if (!rp) return 0;
  let n = 0;
  while (
    n < log.segments.length - 1 &&
    log.segments[n].nextOffset <= rp.segmentBaseOffset &&
    (config.minCompactionLagMs === 0 || now - log.segments[n].maxTimestamp >= config.minCompactionLagMs)
  ) {
    n++;
  }
  return n;
}

/** Whether the periodic pass should clean this partition now (see the file comment). */
export function needsCleaning(log: PartitionLog, count: number, now: number, config: EffectiveConfig): boolean {
  let total = 0;
  let dirty = 0;
  let oldestDirty = Infinity;
  for (let i = 0; i < count; i++) {
    const s = log.segments[i];
    total += s.size;
    if (s.nextOffset > log.cleanedUpTo) {
      dirty += s.size;
      oldestDirty = Math.min(oldestDirty, s.maxTimestamp);
    }
  }
  if (dirty === 0) return false;
  return dirty / total >= config.minCleanableDirtyRatio || now - oldestDirty > config.maxCompactionLagMs;
}

interface Rewrite {
  seg: LogSegment;
  tmpPath: string;
}

/** Work in slices of about this many milliseconds, then let the event loop run (appends, fetches, timers). */
const SLICE_MS = 8;

/** Thrown inside the cleaner when the log manager closes or the partition goes away mid-pass. */
class CleaningStopped extends Error {}

/** Cooperative pacing: `tick()` after each batch yields to the event loop once a slice is used up. */
class Pacer {
  private sliceStart = performance.now();
  constructor(private readonly stopped: () => boolean) {}
  async tick(seg: LogSegment): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
    if (this.stopped() || seg.deleted) throw new CleaningStopped('stopped');
  }
}

/**
 * Clean the first `count` segments of the partition, cooperatively: it yields to the event loop every few
 * milliseconds, so appends (to the active segment), fetches and group traffic go on meanwhile; segments deleted
 * meanwhile (retention, deleteRecords) are skipped, and `stopped()` (close, topic deleted) ends the pass with
 * nothing changed (also when a read or write fails once `stopped()` is true). The swap at the end is synchronous.
 * `saveCheckpoint` must durably record the new cleanedUpTo before any segment is replaced. Throws KafkaError
 * KAFKA_STORAGE_ERROR when a replacement cannot be written (a full disk): nothing has changed then.
 */
export async function cleanSegments(
  log: PartitionLog,
  count: number,
  now: number,
  config: EffectiveConfig,
  io: StorageIo,
  saveCheckpoint: (cleanedUpTo: number) => void,
  stopped: () => boolean,
): Promise<CompactionStats> {
  const stats: CompactionStats = {
    topic: log.topic,
    partition: log.partition,
    segmentsCleaned: 0,
    recordsBefore: 0,
    recordsAfter: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    cleanedUpTo: log.cleanedUpTo,
  };
  if (count <= 0) return stats;
  const all = [...log.segments];
  const pacer = new Pacer(stopped);
  const rewrites: Rewrite[] = [];
  let current: string | undefined;
  let txns: CleanerTxnView;
  try {
    txns = await CleanerTxnView.scan(all, (seg) => pacer.tick(seg));
  } catch (e) {
    if (e instanceof CleaningStopped || stopped()) return stats;
    throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `compaction of ${log.name} stopped: ${(e as Error).message}`);
  }
  // Never past the first unstable offset: an open transaction may still abort.
  const firstUnstable = txns.firstUnstableOffset;
  while (count > 0 && all[count - 1].nextOffset > firstUnstable) count--;
  if (count <= 0) return stats;
  const targets = all.slice(0, count);
  try {
    // 1. The latest offset of every key, and every producer's latest batch, over the whole partition (the
    //    active segment up to its size now; what is appended later can only make the pass keep more).
    const latest = new Map<string, number>();
    const producerLatest = new Map<number, number>();
    for (const seg of all) {
      for (const h of seg.scanHeaders(0)) {
        if (h.producerId >= 0) producerLatest.set(h.producerId, h.baseOffset);
        // Nothing from the first open transaction on counts yet (as in Kafka), nor anything of an aborted one.
        const countsForNothing = h.baseOffset >= firstUnstable || txns.isAborted(h.producerId, h.baseOffset);
        if (!isControlBatch(h.attributes) && !countsForNothing) {
          for (const r of splitBatch(seg.readAt(h.position, h.size)).records) {
            if (r.key !== null) latest.set(r.key.toString('latin1'), r.offset);
          }
        }
        await pacer.tick(seg);
      }
    }
    // 2. Write each segment's replacement next to it (streamed: a segment is never held in memory whole).
    for (const seg of targets) {
      current = `${seg.logPath}${CLEANED_SUFFIX}`;
      const written = await cleanSegment(seg, current, latest, producerLatest, txns, now, config, io, stats, pacer);
      stats.bytesBefore += seg.size;
      if (written < 0) {
        fs.rmSync(current, { force: true });
        stats.bytesAfter += seg.size;
      } else {
        rewrites.push({ seg, tmpPath: current });
        stats.bytesAfter += written;
      }
      current = undefined;
    }
  } catch (e) {
    if (current) fs.rmSync(current, { force: true });
    for (const r of rewrites) fs.rmSync(r.tmpPath, { force: true });
    // A read or write that failed because the topic was deleted or the broker closed meanwhile is the stop.
    if (e instanceof CleaningStopped || stopped()) return stats;
    throw new KafkaError(
      ErrorCode.KAFKA_STORAGE_ERROR,
      `compaction of ${log.name} stopped: ${(e as Error).message}; no segment was changed`,
    );
  }
  if (stopped()) {
    for (const r of rewrites) fs.rmSync(r.tmpPath, { force: true });
    return stats;
  }

  // 3. Record that segments below this point may have gaps, then swap the files in (synchronously).
  const cleanedUpTo = Math.max(log.cleanedUpTo, targets[targets.length - 1].nextOffset);
  saveCheckpoint(cleanedUpTo);
  log.cleanedUpTo = cleanedUpTo;
  const swapped: LogSegment[] = [];
  for (const r of rewrites) {
    if (r.seg.deleted || !log.segments.includes(r.seg)) {
      fs.rmSync(r.tmpPath, { force: true }); // deleted by retention or deleteRecords meanwhile
      continue;
    }
    for (const suffix of ['.index', '.timeindex'] as const)
      fs.writeFileSync(path.join(log.dir, segmentFileName(r.seg.baseOffset, suffix)), '');
    r.seg.release(); // no descriptor left on the file being replaced (Windows refuses the rename otherwise)
    fs.renameSync(r.tmpPath, r.seg.logPath);
    swapped.push(r.seg);
  }
  if (swapped.length > 0) {
    fsyncDir(log.dir);
    for (const seg of swapped) log.reopenSegment(log.segments.indexOf(seg), now, config);
    // Markers and aborted data may be gone: the aborted-transaction indexes are derived again.
    log.rebuildTxnIndexes();
  }
  stats.segmentsCleaned = swapped.length;
  stats.cleanedUpTo = cleanedUpTo;
  return stats;
}

/**
 * Write the cleaned segment to `tmpPath` (fsynced) and return its size, or -1 when nothing in it would change
 * (the caller removes the file then).
 */
async function cleanSegment(
  seg: LogSegment,
  tmpPath: string,
  latest: Map<string, number>,
  producerLatest: Map<number, number>,
  txns: CleanerTxnView,
  now: number,
  config: EffectiveConfig,
  io: StorageIo,
  stats: CompactionStats,
  pacer: Pacer,
): Promise<number> {
  const out = new SegmentWriter(tmpPath, io);
  let changed = false;
  try {
    for (const h of seg.scanHeaders(0)) {
      await pacer.tick(seg);
      const bytes = seg.readAt(h.position, h.size);
      const lastOfSegment = h.position + h.size === seg.size;
      const producersLatest = h.producerId >= 0 && producerLatest.get(h.producerId) === h.baseOffset;
      if (isControlBatch(h.attributes)) {
        const emptyTxn = txns.markerEndsEmptyTxn(h.producerId);
        if (emptyTxn && now - h.maxTimestamp > config.deleteRetentionMs && !lastOfSegment) {
          changed = true;
          continue;
        }
        out.write(bytes);
        continue;
      }
      const split = splitBatch(bytes);
      const tombstonesExpire = now - h.maxTimestamp > config.deleteRetentionMs;
      const aborted = txns.isAborted(h.producerId, h.baseOffset);
      const keep: number[] = [];
      split.records.forEach((r, i) => {
        if (aborted || r.key === null) return;
        if (latest.get(r.key.toString('latin1')) !== r.offset) return;
        if (r.value === null && tombstonesExpire) return;
        keep.push(i);
      });
      stats.recordsBefore += split.records.length;
      stats.recordsAfter += keep.length;
      const transactional = isTransactionalBatch(h.attributes);
      if (keep.length === split.records.length) {
        if (transactional) txns.keptData(h.producerId);
        out.write(bytes);
        continue;
      }
      changed = true;
      if (keep.length > 0 || lastOfSegment || producersLatest) {
        if (transactional) txns.keptData(h.producerId);
        out.write(rebuildBatch(split, bytes, keep));
      }
    }
    if (!changed) return -1;
    return await out.finish();
  } finally {
    out.close();
  }
}

/** Sequential writes into a new file through a 1 MiB buffer; finish() writes the rest and fsyncs. */
class SegmentWriter {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private position = 0;

  constructor(
    file: string,
    private readonly io: StorageIo,
  ) {
    this.fd = fs.openSync(file, 'w');
  }

  write(bytes: Buffer): void {
    if (this.used + bytes.length > this.buf.length) this.drain();
    if (bytes.length > this.buf.length) this.writeOut(bytes, bytes.length);
    else this.used += bytes.copy(this.buf, this.used);
  }

  /** Write what is buffered and fsync (off the event loop: a large replacement can take a while to sync). */
  async finish(): Promise<number> {
    this.drain();
    await new Promise<void>((resolve, reject) => fs.fsync(this.fd, (err) => (err ? reject(err) : resolve())));
    return this.position;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private drain(): void {
    this.writeOut(this.buf, this.used);
    this.used = 0;
  }

  private writeOut(bytes: Buffer, length: number): void {
    let off = 0;
    while (off < length) {
      const n = this.io.writeSync(this.fd, bytes, off, length - off, this.position + off);
      if (n <= 0) throw new Error(`write returned ${n}`);
      off += n;
    }
    this.position += length;
  }
}
