/**
 * PartitionLog: one partition's directory `<dataDir>/topics/<topic>-<partition>/`, a list of segments ordered by
 * base offset (the last one active), the log start offset and the recovery point (segment + byte position up
 * to which everything is fsynced).
 *
 * Guarantees: offsets are contiguous from the first segment's base offset to logEndOffset; an append either
 * writes all its bytes and indexes them or leaves the log byte-for-byte unchanged (KAFKA_STORAGE_ERROR); reads
 * return whole batches; retention and deleteRecords only ever remove whole non-active segments from the front
 * and move the log start offset forward.
 *
 * Callers: log-manager.ts only (it validates input and owns topics, checkpoints and the flush policy).
 */
import * as fs from 'fs';
import type { BatchHeader } from '../api';
import { ErrorCode, KafkaError } from '../errors';
import type { FetchResult, OffsetForTime } from '../types';
import type { EffectiveConfig } from './configs';
import type { FileCache } from './file-cache';
import {
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  OFFSET_BATCH_LENGTH,
  decodeRecordBatches,
  stampBaseOffset,
  stampLogAppendTime,
} from './record-batch';
import * as path from 'path';
import type { RecoveryOutcome, StorageIo } from './segment';
import { LogSegment, segmentFileName } from './segment';

/** Appended to a segment's log file name while the cleaner writes its replacement (`<base>.log.cleaned`). */
export const CLEANED_SUFFIX = '.cleaned';

/** Remove a segment's files without opening it; returns the size of its log file. */
function deleteSegmentFiles(dir: string, base: number): number {
  let size = 0;
  try {
    size = fs.statSync(path.join(dir, segmentFileName(base, '.log'))).size;
  } catch {
    // already gone
  }
  for (const suffix of ['.log', '.index', '.timeindex'] as const)
    fs.rmSync(path.join(dir, segmentFileName(base, suffix)), { force: true });
  return size;
}

/** What opening a partition did: bytes cut (and why) and the segments whose indexes were rebuilt (and why). */
export interface PartitionRecovery extends RecoveryOutcome {
  indexesRebuilt: string[];
}

export interface RecoveryPoint {
  segmentBaseOffset: number;
  position: number;
}

const INT32_MAX = 2147483647;

/** Bytes of the whole batches at the start of buf. */
function wholeBatchesEnd(buf: Buffer): number {
  let end = 0;
  while (end + BATCH_HEADER_SIZE <= buf.length) {
    const size = LOG_OVERHEAD + buf.readInt32BE(end + OFFSET_BATCH_LENGTH);
    if (size < BATCH_HEADER_SIZE || end + size > buf.length) break;
    end += size;
  }
  return end;
}

export class PartitionLog {
  segments: LogSegment[] = [];
  logStartOffset = 0;
  /** Everything before this point is fsynced (null: nothing known, scan all on an unclean open). */
  recoveryPoint: RecoveryPoint | null = null;
  /** Segments below this offset may have been rewritten by the log cleaner (cleaner-offset-checkpoint). */
  cleanedUpTo = 0;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    private readonly io: StorageIo,
    private readonly files: FileCache,
  ) {}

  get active(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  get lastTimestamp(): number {
    let t = -1;
    for (const s of this.segments) if (s.maxTimestamp > t) t = s.maxTimestamp;
    return t;
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  static create(
    topic: string,
    partition: number,
    dir: string,
    now: number,
    io: StorageIo,
    files: FileCache,
  ): PartitionLog {
    fs.mkdirSync(dir, { recursive: true });
    const log = new PartitionLog(topic, partition, dir, io, files);
    log.segments.push(LogSegment.create(dir, 0, now, io, files));
    log.recoveryPoint = { segmentBaseOffset: 0, position: 0 };
    return log;
  }

  /**
   * Open the partition's segments. `recoveryPoint` 'clean' trusts every byte (clean shutdown); a point trusts
   * the bytes before it and checks the rest batch by batch (and, with `recheckBytes`, about that many bytes
   * before it too); null checks everything. A bad batch truncates its segment there and removes every later
   * segment. A segment whose indexes do not agree with its log gets them rebuilt from the log (never the reverse).
   */
  static open(
    topic: string,
    partition: number,
    dir: string,
    now: number,
    io: StorageIo,
    files: FileCache,
    recoveryPoint: RecoveryPoint | 'clean' | null,
    logStartOffset: number,
    config: EffectiveConfig,
    cleanedUpTo = 0,
    activeCreated?: { segmentBaseOffset: number; createdAt: number },
    recheckBytes = 0,
  ): { log: PartitionLog; recovery: PartitionRecovery } {
    fs.mkdirSync(dir, { recursive: true });
    const log = new PartitionLog(topic, partition, dir, io, files);
    log.cleanedUpTo = cleanedUpTo;
    // A cleaning interrupted before its rename left only a temporary file; the segment it was for is intact.
    for (const f of fs.readdirSync(dir))
      if (f.endsWith(`.log${CLEANED_SUFFIX}`)) fs.rmSync(path.join(dir, f), { force: true });
    const bases = fs
      .readdirSync(dir)
      .filter((f) => /^\d{20}\.log$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    let truncatedBytes = 0;
    let reason = '';
    const indexesRebuilt: string[] = [];
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i];
      let trustedEnd: number;
      if (recoveryPoint === 'clean') trustedEnd = Number.MAX_SAFE_INTEGER;
      else if (recoveryPoint === null) trustedEnd = 0;
      else if (base < recoveryPoint.segmentBaseOffset) trustedEnd = Number.MAX_SAFE_INTEGER;
      else if (base === recoveryPoint.segmentBaseOffset) trustedEnd = recoveryPoint.position;
      else trustedEnd = 0;
      const prev = log.segments[log.segments.length - 1];
      if (prev && prev.nextOffset !== base) {
        // A gap: the previous segment lost its tail. Everything from here on is unreachable.
        for (let j = i; j < bases.length; j++) truncatedBytes += deleteSegmentFiles(dir, bases[j]);
        reason ||= `segment ${base} does not follow offset ${prev.nextOffset}`;
        break;
      }
      const { segment, recovery } = LogSegment.open(
        dir,
        base,
        now,
        io,
        files,
        trustedEnd,
        config.indexIntervalBytes,
        base < cleanedUpTo,
        recoveryPoint !== 'clean' && recoveryPoint !== null && base === recoveryPoint.segmentBaseOffset
          ? recheckBytes
          : 0,
      );
      log.segments.push(segment);
      if (recovery.indexRebuilt) indexesRebuilt.push(`segment ${base}: ${recovery.indexRebuilt}`);
      if (recovery.truncatedBytes > 0) {
        truncatedBytes += recovery.truncatedBytes;
        reason ||= recovery.reason;
        // Later segments follow a cut: remove them.
        for (let j = i + 1; j < bases.length; j++) truncatedBytes += deleteSegmentFiles(dir, bases[j]);
        break;
      }
    }
    // Segments before the active one must carry their final time index entry.
    for (let i = 0; i < log.segments.length - 1; i++) log.segments[i].seal();
    for (const s of log.segments) s.persistIndexes();
    if (log.segments.length === 0)
      log.segments.push(LogSegment.create(dir, Math.max(0, logStartOffset), now, io, files));
    // segment.ms counts from when the active segment was started, also across restarts (not from this open).
    if (activeCreated && activeCreated.segmentBaseOffset === log.active.baseOffset)
      log.active.createdAt = Math.min(activeCreated.createdAt, now);
    log.logStartOffset = Math.min(Math.max(logStartOffset, log.segments[0].baseOffset), log.logEndOffset);
    if (recoveryPoint === 'clean')
      log.recoveryPoint = { segmentBaseOffset: log.active.baseOffset, position: log.active.size };
    else log.recoveryPoint = recoveryPoint;
    return { log, recovery: { truncatedBytes, reason, indexesRebuilt } };
  }

  // ------------------------------------------------------------------ append

  /**
   * Append a validated record set: roll if needed, stamp base offsets (and LogAppendTime), write, index.
   * Throws KafkaError KAFKA_STORAGE_ERROR when the write fails; the log is then unchanged.
   */
  append(
    recordSet: Buffer,
    headers: BatchHeader[],
    now: number,
    config: EffectiveConfig,
  ): { baseOffset: number; lastOffset: number } {
    let total = 0;
    let offsetSpan = 0;
    for (const h of headers) {
      total += h.size;
      offsetSpan += h.lastOffsetDelta + 1;
    }
    if (total !== recordSet.length)
      throw new Error(`append: headers cover ${total} bytes of a ${recordSet.length}-byte record set`);
    this.maybeRoll(recordSet.length, offsetSpan, now, config);
    const seg = this.active;
    const baseOffset = seg.nextOffset;
    let offset = baseOffset;
    for (const h of headers) {
      stampBaseOffset(recordSet, h.position, offset);
      if (config.logAppendTime) stampLogAppendTime(recordSet, h.position, h.size, now);
      offset += h.lastOffsetDelta + 1;
    }
    const start = seg.size;
    try {
      seg.write(recordSet);
    } catch (e) {
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `could not write to ${this.name}: ${(e as Error).message}; nothing was appended`,
      );
    }
    offset = baseOffset;
    for (const h of headers) {
      const maxTs = config.logAppendTime ? now : h.maxTimestamp;
      seg.indexBatch(start + h.position, offset, offset + h.lastOffsetDelta, maxTs, h.size, config.indexIntervalBytes);
      offset += h.lastOffsetDelta + 1;
    }
    return { baseOffset, lastOffset: offset - 1 };
  }

  private maybeRoll(bytes: number, offsetSpan: number, now: number, config: EffectiveConfig): void {
    const seg = this.active;
    if (seg.size === 0) return;
    const full = seg.size + bytes > config.segmentBytes;
    const old = now - seg.createdAt >= config.segmentMs;
    const offsetsOverflow = seg.nextOffset + offsetSpan - seg.baseOffset > INT32_MAX;
    if (full || old || offsetsOverflow) this.roll(now);
  }

  roll(now: number): void {
    const seg = this.active;
    seg.seal();
    this.segments.push(LogSegment.create(this.dir, seg.nextOffset, now, this.io, this.files));
  }

  // ------------------------------------------------------------------ read

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  checkRange(offset: number): void {
    if (!Number.isInteger(offset) || offset < this.logStartOffset || offset > this.logEndOffset) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${offset} is out of range for ${this.name}: valid offsets are ${this.logStartOffset}..${this.logEndOffset} (log start..log end)`,
      );
    }
  }

  /** Whole batches from the one containing `offset`, up to maxBytes (at least one whole batch). */
  read(offset: number, maxBytes: number): FetchResult {
    this.checkRange(offset);
    const parts: Buffer[] = [];
    let total = 0;
    if (offset < this.logEndOffset) {
      let i = this.segmentIndexFor(offset);
      let start = this.segments[i].findBatchPosition(offset);
      for (; i < this.segments.length; i++, start = 0) {
        const seg = this.segments[i];
        if (start < 0 || start >= seg.size) continue;
        const budget = maxBytes - total;
        if (total > 0 && budget < BATCH_HEADER_SIZE) break;
        let buf = seg.readAt(start, Math.min(Math.max(budget, BATCH_HEADER_SIZE), seg.size - start));
        let end = wholeBatchesEnd(buf);
        if (end === 0) {
          if (total > 0) break;
          // The first batch is larger than maxBytes: it is returned whole all the same.
          end = LOG_OVERHEAD + buf.readInt32BE(OFFSET_BATCH_LENGTH);
          buf = seg.readAt(start, end);
        }
        parts.push(end === buf.length ? buf : buf.subarray(0, end));
        total += end;
        if (start + end < seg.size) break;
      }
    }
    return {
      highWatermark: this.logEndOffset,
      lastStableOffset: this.logEndOffset,
      logStartOffset: this.logStartOffset,
      records: parts.length === 1 ? parts[0] : Buffer.concat(parts),
    };
  }

  /** Batch headers (with real base offsets and segment positions) from the batch containing fromOffset on. */
  *scanBatchHeaders(fromOffset: number): Generator<BatchHeader> {
    const from = Math.max(fromOffset, this.logStartOffset);
    if (from >= this.logEndOffset) return;
    const first = this.segmentIndexFor(from);
    for (let i = first; i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (seg.deleted) return;
      const start = i === first ? seg.findBatchPosition(from) : 0;
      if (start < 0) continue;
      yield* seg.scanHeaders(start);
    }
  }

  /** First offset >= log start whose record timestamp is >= timestamp; offset -1 when none. */
  offsetForTimestamp(timestamp: number): OffsetForTime {
    for (const seg of this.segments) {
      if (seg.nextOffset <= this.logStartOffset || seg.maxTimestamp < timestamp) continue;
      const from = Math.max(seg.baseOffset + seg.timeIndex.lookup(timestamp), this.logStartOffset);
      const pos = seg.findBatchPosition(from);
      if (pos < 0) continue;
      for (const h of seg.scanHeaders(pos)) {
        if (h.maxTimestamp < timestamp) continue;
        const bytes = seg.readAt(h.position, h.size);
        for (const batch of decodeRecordBatches(bytes)) {
          for (const r of batch.records) {
            if (r.offset >= from && r.timestamp >= timestamp) return { offset: r.offset, timestamp: r.timestamp };
          }
        }
      }
    }
    return { offset: -1, timestamp: -1 };
  }

  // ------------------------------------------------------------------ log start, retention

  /** Move the log start offset forward (never back) and drop whole segments below it. True when it moved. */
  advanceLogStart(offset: number): boolean {
    if (offset <= this.logStartOffset) return false;
    this.logStartOffset = Math.min(offset, this.logEndOffset);
    while (this.segments.length > 1 && this.segments[1].baseOffset <= this.logStartOffset) {
      this.segments.shift()!.delete();
    }
    return true;
  }

  /**
   * Delete old segments by retention.ms and retention.bytes (never the active one). True when any was deleted.
   * A compact-only topic (cleanup.policy=compact) keeps its segments, as in Kafka.
   */
  enforceRetention(now: number, config: EffectiveConfig): boolean {
    if (!config.deleteOld) return false;
    let deleteCount = 0;
    const last = this.segments.length - 1;
    if (config.retentionMs >= 0) {
      while (deleteCount < last && now - this.segments[deleteCount].maxTimestamp > config.retentionMs) deleteCount++;
    }
    if (config.retentionBytes >= 0) {
      let excess = this.sizeBytes - config.retentionBytes;
      for (let i = 0; i < deleteCount; i++) excess -= this.segments[i].size;
      while (deleteCount < last && excess - this.segments[deleteCount].size >= 0) {
        excess -= this.segments[deleteCount].size;
        deleteCount++;
      }
    }
    if (deleteCount === 0) return false;
    const removed = this.segments.splice(0, deleteCount);
    for (const s of removed) s.delete();
    if (this.logStartOffset < this.segments[0].baseOffset) this.logStartOffset = this.segments[0].baseOffset;
    return true;
  }

  /**
   * Put the segment at `index` back from its files after the cleaner replaced its log file (and emptied its
   * indexes): every batch is checked again and the indexes are rebuilt.
   */
  reopenSegment(index: number, now: number, config: EffectiveConfig): void {
    const old = this.segments[index];
    old.close();
    const { segment, recovery } = LogSegment.open(
      this.dir,
      old.baseOffset,
      now,
      this.io,
      this.files,
      0,
      config.indexIntervalBytes,
      true,
    );
    if (recovery.truncatedBytes > 0 || segment.nextOffset !== old.nextOffset) {
      throw new Error(
        `the cleaned segment ${old.baseOffset} of ${this.name} does not read back: ${recovery.reason || `next offset ${segment.nextOffset}, expected ${old.nextOffset}`}`,
      );
    }
    segment.seal();
    this.segments[index] = segment;
  }

  /** Write buffered index entries; return the segments that need an fsync and the point they make durable. */
  prepareFlush(): { segments: LogSegment[]; point: RecoveryPoint } {
    const dirty: LogSegment[] = [];
    for (const s of this.segments) {
      s.persistIndexes();
      if (s.needsSync) dirty.push(s);
    }
    return { segments: dirty, point: { segmentBaseOffset: this.active.baseOffset, position: this.active.size } };
  }

  close(): void {
    for (const s of this.segments) {
      s.persistIndexes();
      s.close();
    }
  }

  /**
   * Remove the partition's directory (topic deletion). It is first renamed to `<dir>.<time>-delete`, a name no
   * topic directory can have, so a removal that stops half-way is finished at the next open instead of the
   * remains being adopted as a topic.
   */
  destroy(): void {
    for (const s of this.segments) {
      s.deleted = true;
      s.close();
    }
    destroyPartitionDir(this.dir);
  }
}

/**
 * Remove a partition directory whose files are closed (destroy(), or a partition never opened): renamed to
 * `<dir>.<time>-delete` first, so a removal that stops half-way is finished at the next open.
 */
export function destroyPartitionDir(dir: string): void {
  let target = `${dir}.${Date.now()}-delete`;
  try {
    fs.renameSync(dir, target);
  } catch {
    target = dir; // e.g. a file still open on Windows: remove in place
  }
  fs.rmSync(target, { recursive: true, force: true });
}
