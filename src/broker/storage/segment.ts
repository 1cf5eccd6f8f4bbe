/**
 * LogSegment: one `<20-digit base offset>.log` file of whole v2 batches plus its sparse offset and time
 * indexes. Owns the file descriptor, the segment's size (bytes of whole, validated batches), its next offset and
 * newest timestamp. Never holds batch data in memory: reads go through fs.readSync into buffers sized for the
 * requested range.
 *
 * Invariants: the file holds exactly `size` bytes of batches whose base offsets are contiguous from baseOffset
 * (in a segment the log cleaner rewrote, `cleaned`, they only increase: the cleaner drops batches whose records
 * were all superseded, but always keeps the segment's last batch, so nextOffset stays); index entries point only
 * inside [0, size). Writes go through the injected StorageIo so tests can make them fail.
 *
 * Callers: partition-log.ts only.
 */
import * as fs from 'fs';
import * as path from 'path';
import { OffsetIndex, TimeIndex } from './indexes';
import type { FullBatchHeader } from './record-batch';
import {
  BATCH_HEADER_SIZE,
  checkBatch,
  LOG_OVERHEAD,
  OFFSET_BATCH_LENGTH,
  parseBatchHeader,
  readInt64,
} from './record-batch';

/** The file operations a write may fail in (injected by tests to simulate ENOSPC or EIO). */
export interface StorageIo {
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  ftruncateSync(fd: number, length: number): void;
}

export const realIo: StorageIo = {
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
};

export function segmentFileName(baseOffset: number, suffix: '.log' | '.index' | '.timeindex'): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

const HEADER_CHUNK = 16 * 1024;
const RECOVERY_CHUNK = 4 * 1024 * 1024;

export interface RecoveryOutcome {
  /** Bytes cut from the end of the segment (0 when the scanned part was sound). */
  truncatedBytes: number;
  reason: string;
}

export class LogSegment {
  size = 0;
  nextOffset: number;
  /** Newest timestamp (batch maxTimestamp) in the segment, -1 when empty. */
  maxTimestamp = -1;
  /** Clock time the segment was created or opened (segment.ms rolls from here). */
  createdAt: number;
  /** Log bytes written since the last fsync. */
  dirty = false;
  deleted = false;
  /** Rewritten by the log cleaner: batches may skip offsets and hold fewer records than they span. */
  cleaned = false;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  private bytesSinceIndexEntry = 0;
  private indexUnsynced = false;
  private fd: number;
  private inflight = 0;
  private closeRequested = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    now: number,
    private readonly io: StorageIo,
  ) {
    this.nextOffset = baseOffset;
    this.createdAt = now;
    this.offsetIndex = new OffsetIndex(path.join(dir, segmentFileName(baseOffset, '.index')));
    this.timeIndex = new TimeIndex(path.join(dir, segmentFileName(baseOffset, '.timeindex')));
    const logPath = path.join(dir, segmentFileName(baseOffset, '.log'));
    this.fd = fs.openSync(logPath, fs.existsSync(logPath) ? 'r+' : 'w+');
  }

  get logPath(): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, '.log'));
  }

  static create(dir: string, baseOffset: number, now: number, io: StorageIo): LogSegment {
    const seg = new LogSegment(dir, baseOffset, now, io);
    fs.ftruncateSync(seg.fd, 0);
    fs.closeSync(fs.openSync(seg.offsetIndex.path, 'w'));
    fs.closeSync(fs.openSync(seg.timeIndex.path, 'w'));
    return seg;
  }

  /**
   * Open an existing segment. Bytes [0, trustedEnd) are trusted (fsynced before the recovery point, or a clean
   * shutdown): their index entries are loaded and only the headers after the last index entry are read. Bytes
   * from trustedEnd on are checked batch by batch (framing, CRC-32C, offset continuity); a torn or corrupt tail
   * is cut off. Returns the segment and what recovery did.
   */
  static open(
    dir: string,
    baseOffset: number,
    now: number,
    io: StorageIo,
    trustedEnd: number,
    indexIntervalBytes: number,
    cleaned = false,
  ): { segment: LogSegment; recovery: RecoveryOutcome } {
    const seg = new LogSegment(dir, baseOffset, now, io);
    seg.cleaned = cleaned;
    const fileSize = fs.fstatSync(seg.fd).size;
    let trusted = Math.min(trustedEnd, fileSize);
    seg.offsetIndex.load(trusted);
    // Headers after the last index entry give the next offset and newest timestamp of the trusted part.
    const lastEntryPos = seg.offsetIndex.lastPosition();
    let expected = baseOffset + seg.offsetIndex.lastRelativeOffset();
    seg.nextOffset = expected;
    let pos = lastEntryPos;
    for (const h of seg.scanHeaders(pos, trusted)) {
      if (cleaned ? h.baseOffset < expected : h.baseOffset !== expected) break;
      expected = h.baseOffset + h.lastOffsetDelta + 1;
      seg.nextOffset = expected;
      if (h.maxTimestamp > seg.maxTimestamp) seg.maxTimestamp = h.maxTimestamp;
      pos = h.position + h.size;
    }
    if (pos < trusted) trusted = pos; // the trusted part did not parse to its end: check the rest
    seg.size = trusted;
    seg.bytesSinceIndexEntry = trusted - lastEntryPos;
    // Time index entries are statements about the records before their offset: keep those up to the next offset.
    seg.timeIndex.load(seg.nextOffset - baseOffset);
    if (seg.timeIndex.lastTimestamp() > seg.maxTimestamp) seg.maxTimestamp = seg.timeIndex.lastTimestamp();
    const recovery = seg.recoverFrom(trusted, fileSize, indexIntervalBytes);
    return { segment: seg, recovery };
  }

  /** Check batches from `from` to the end of the file; index them; cut the file at the first bad one. */
  private recoverFrom(from: number, fileSize: number, intervalBytes: number): RecoveryOutcome {
    let pos = from;
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = 0;
    let reason = '';
    this.offsetIndex.truncateToPosition(from);
    while (pos < fileSize) {
      const remaining = fileSize - pos;
      if (remaining < BATCH_HEADER_SIZE) {
        reason = `torn batch at byte ${pos}: only ${remaining} bytes, less than a batch header`;
        break;
      }
      if (pos < chunkStart || pos + BATCH_HEADER_SIZE > chunkStart + chunk.length) {
        chunk = this.readAt(pos, Math.min(RECOVERY_CHUNK, remaining));
        chunkStart = pos;
      }
      const size = LOG_OVERHEAD + chunk.readInt32BE(pos - chunkStart + OFFSET_BATCH_LENGTH);
      if (size < BATCH_HEADER_SIZE) {
        reason = `corrupt batch at byte ${pos}: batchLength ${size - LOG_OVERHEAD} is smaller than a batch header`;
        break;
      }
      if (size > remaining) {
        reason = `torn batch at byte ${pos}: it says ${size} bytes but the file has ${remaining} left`;
        break;
      }
      if (pos + size > chunkStart + chunk.length) {
        chunk = this.readAt(pos, Math.max(size, Math.min(RECOVERY_CHUNK, remaining)));
        chunkStart = pos;
      }
      const off = pos - chunkStart;
      const problem = checkBatch(chunk, off, off + size, this.cleaned);
      if (problem) {
        reason = `corrupt batch at byte ${pos}: ${problem.reason}`;
        break;
      }
      const h = parseBatchHeader(chunk, off)!;
      if (this.cleaned ? h.baseOffset < this.nextOffset : h.baseOffset !== this.nextOffset) {
        reason = `corrupt batch at byte ${pos}: base offset ${h.baseOffset} where ${this.cleaned ? 'at least ' : ''}${this.nextOffset} was expected`;
        break;
      }
      this.indexBatch(pos, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp, size, intervalBytes);
      pos += size;
    }
    const truncatedBytes = fileSize - pos;
    if (truncatedBytes > 0) this.io.ftruncateSync(this.fd, pos);
    if (pos > from) this.dirty = true;
    this.size = pos;
    return { truncatedBytes, reason: truncatedBytes > 0 ? reason : '' };
  }

  /** Record a batch just written at `position`: indexes (every ~intervalBytes), size, next offset, newest timestamp. */
  indexBatch(
    position: number,
    baseOffset: number,
    lastOffset: number,
    maxTimestamp: number,
    size: number,
    intervalBytes: number,
  ): void {
    if (position > 0 && this.bytesSinceIndexEntry >= intervalBytes) {
      const rel = baseOffset - this.baseOffset;
      this.offsetIndex.append(rel, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, rel);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
    this.size = position + size;
    this.nextOffset = lastOffset + 1;
    if (maxTimestamp > this.maxTimestamp) this.maxTimestamp = maxTimestamp;
  }

  /** Write bytes at the end of the segment. On failure the file is cut back to its old size and the error rethrown. */
  write(buf: Buffer): void {
    const start = this.size;
    let off = 0;
    try {
      while (off < buf.length) {
        const n = this.io.writeSync(this.fd, buf, off, buf.length - off, start + off);
        if (n <= 0) throw new Error(`write returned ${n}`);
        off += n;
      }
    } catch (e) {
      try {
        this.io.ftruncateSync(this.fd, start);
      } catch {
        // the original error is the one to report
      }
      throw e;
    }
    this.dirty = true;
  }

  /** Read [position, position + length) of the log file (shorter at the end of the file). */
  readAt(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, buf, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  /** Batch headers in [from, to), read in small chunks; stops at the first header that does not fit. */
  *scanHeaders(from: number, to: number = this.size): Generator<FullBatchHeader> {
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = 0;
    let pos = from;
    while (pos + BATCH_HEADER_SIZE <= to) {
      if (pos < chunkStart || pos + BATCH_HEADER_SIZE > chunkStart + chunk.length) {
        chunk = this.readAt(pos, Math.min(HEADER_CHUNK, to - pos));
        chunkStart = pos;
        if (chunk.length < BATCH_HEADER_SIZE) return;
      }
      const h = parseBatchHeader(chunk, pos - chunkStart)!;
      if (h.size < BATCH_HEADER_SIZE || pos + h.size > to) return;
      h.position = pos;
      yield h;
      pos += h.size;
    }
  }

  /** Position of the batch containing `offset`, or -1 when the segment holds no batch at or after it. */
  findBatchPosition(offset: number): number {
    if (offset >= this.nextOffset) return -1;
    const start = offset <= this.baseOffset ? 0 : this.offsetIndex.lookup(offset - this.baseOffset);
    for (const h of this.scanHeaders(start)) {
      if (h.baseOffset + h.lastOffsetDelta >= offset) return h.position;
    }
    return -1;
  }

  /** Base offset of the batch at `position` (used by reads to report where they start). */
  baseOffsetAt(position: number): number {
    return readInt64(this.readAt(position, 8), 0);
  }

  /** Write buffered index entries to their files (they are fsynced by the next fsync()). */
  persistIndexes(): void {
    const a = this.offsetIndex.persist();
    const b = this.timeIndex.persist();
    if (a || b) this.indexUnsynced = true;
  }

  get needsSync(): boolean {
    return this.dirty || this.indexUnsynced;
  }

  /** The segment stops being the active one: record its newest timestamp against its end in the time index. */
  seal(): void {
    this.timeIndex.maybeAppend(this.maxTimestamp, this.nextOffset - this.baseOffset);
    this.persistIndexes();
  }

  /**
   * fsync the log file and, when they changed, the index files (async: the event loop keeps running). Errors on
   * a segment deleted meanwhile are ignored; otherwise the segment stays marked unsynced and the error is thrown.
   */
  async fsync(): Promise<void> {
    if (this.closeRequested) return;
    const log = this.dirty;
    const indexes = this.indexUnsynced;
    this.dirty = false;
    this.indexUnsynced = false;
    this.inflight++;
    const fd = this.fd;
    try {
      const jobs: Promise<void>[] = [];
      if (log)
        jobs.push(new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve()))));
      if (indexes) {
        for (const p of [this.offsetIndex.path, this.timeIndex.path]) {
          jobs.push(
            fs.promises.open(p, 'r+').then(async (h) => {
              try {
                await h.sync();
              } finally {
                await h.close();
              }
            }),
          );
        }
      }
      await Promise.all(jobs);
    } catch (e) {
      if (!this.deleted) {
        this.dirty ||= log;
        this.indexUnsynced ||= indexes;
        throw e;
      }
    } finally {
      this.inflight--;
      if (this.closeRequested && this.inflight === 0) this.closeNow();
    }
  }

  /** Close the file (after any fsync in flight). */
  close(): void {
    this.closeRequested = true;
    if (this.inflight === 0) this.closeNow();
  }

  private closeNow(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  /** Close and remove the segment's three files. */
  delete(): void {
    this.deleted = true;
    this.close();
    for (const suffix of ['.log', '.index', '.timeindex'] as const) {
      fs.rmSync(path.join(this.dir, segmentFileName(this.baseOffset, suffix)), { force: true });
    }
  }
}
