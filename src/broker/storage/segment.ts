/**
 * LogSegment: one `<20-digit base offset>.log` file of whole v2 batches plus its sparse offset and time
 * indexes. Owns the log file (a CachedFile: its descriptor may be closed by the FileCache when other segments
 * need room, and is opened again at the next read, write or fsync), the segment's size (bytes of whole, validated batches), its next offset and
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
import type { FileCache } from './file-cache';
import { CachedFile, openBriefly, openBrieflyAsync } from './file-cache';
import { OffsetIndex, TimeIndex } from './indexes';
import type { BatchHeader } from './record-batch';
import {
  BATCH_HEADER_SIZE,
  baseOffsetAt,
  batchSizeAt,
  checkBatch,
  LOG_OVERHEAD,
  parseBatchHeader,
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

/**
 * fsync an index file. When it has gone (removed behind our back), it is written again from memory first: an
 * index file that cannot be opened must not fail every flush from now on.
 */
async function syncIndexFile(index: OffsetIndex | TimeIndex, deleted: () => boolean): Promise<void> {
  let h: fs.promises.FileHandle;
  try {
    h = await openBrieflyAsync(index.path, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || deleted()) throw e;
    index.forgetFile();
    index.persist();
    h = await openBrieflyAsync(index.path, 'r+');
  }
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

const HEADER_CHUNK = 16 * 1024;
const RECOVERY_CHUNK = 4 * 1024 * 1024;

export interface RecoveryOutcome {
  /** Bytes cut from the end of the segment (0 when the scanned part was sound). */
  truncatedBytes: number;
  reason: string;
  /** Why the segment's indexes were rebuilt from its log ('' when they were sound). */
  indexRebuilt?: string;
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
  private readonly file: CachedFile;
  private closeRequested = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    now: number,
    private readonly io: StorageIo,
    files: FileCache,
    create: boolean,
  ) {
    this.nextOffset = baseOffset;
    this.createdAt = now;
    this.offsetIndex = new OffsetIndex(path.join(dir, segmentFileName(baseOffset, '.index')));
    this.timeIndex = new TimeIndex(path.join(dir, segmentFileName(baseOffset, '.timeindex')));
    this.file = new CachedFile(files, path.join(dir, segmentFileName(baseOffset, '.log')), create);
  }

  get logPath(): string {
    return this.file.path;
  }

  /** The log file's descriptor (opened again if the file cache closed it); use it synchronously. */
  private get fd(): number {
    return this.file.fd();
  }

  static create(dir: string, baseOffset: number, now: number, io: StorageIo, files: FileCache): LogSegment {
    const seg = new LogSegment(dir, baseOffset, now, io, files, true);
    seg.file.fd(); // creates the log file, empty
    fs.closeSync(openBriefly(seg.offsetIndex.path, 'w'));
    fs.closeSync(openBriefly(seg.timeIndex.path, 'w'));
    return seg;
  }

  /**
   * Open an existing segment. Bytes [0, trustedEnd) are trusted (fsynced before the recovery point, or a clean
   * shutdown): their index entries are loaded and only the headers after the last index entry are read. Bytes
   * from trustedEnd on are checked batch by batch (framing, CRC-32C, offset continuity); a torn or corrupt tail
   * is cut off. With `recheckBytes` > 0 (after an unclean shutdown, for the segment holding the recovery point)
   * the last ~recheckBytes of the trusted part are checked as well, without changing anything unless they fail.
   *
   * The indexes are never trusted over the log: a missing index file, entries out of order or past a wholly
   * trusted log, a last offset index entry that is not the start of a sound batch with that base offset, a
   * last time index entry that is not at a batch boundary, or trusted headers that do not reach the trusted end,
   * and both indexes are rebuilt from a check of every batch of the segment (recovery.indexRebuilt says why).
   * Returns the segment and what recovery did.
   */
  static open(
    dir: string,
    baseOffset: number,
    now: number,
    io: StorageIo,
    files: FileCache,
    trustedEnd: number,
    indexIntervalBytes: number,
    cleaned = false,
    recheckBytes = 0,
  ): { segment: LogSegment; recovery: RecoveryOutcome } {
    const seg = new LogSegment(dir, baseOffset, now, io, files, false);
    seg.cleaned = cleaned;
    const fileSize = fs.fstatSync(seg.fd).size;
    const trusted = Math.min(trustedEnd, fileSize);
    const doubt = seg.loadTrusted(trusted, trustedEnd >= fileSize, fileSize, recheckBytes);
    if (!doubt) return { segment: seg, recovery: seg.recoverFrom(trusted, fileSize, indexIntervalBytes) };
    // Rebuild: forget what the indexes said and check every batch from the start, as after a crash.
    seg.offsetIndex.clear();
    seg.timeIndex.clear();
    seg.nextOffset = baseOffset;
    seg.maxTimestamp = -1;
    seg.bytesSinceIndexEntry = 0;
    const recovery = seg.recoverFrom(0, fileSize, indexIntervalBytes);
    return { segment: seg, recovery: { ...recovery, indexRebuilt: fileSize > 0 ? doubt : '' } };
  }

  /**
   * Load the indexes for a log whose bytes [0, trusted) are trusted and learn its next offset and newest
   * timestamp from the headers after the last offset index entry. Returns '' or why the indexes (or the trusted
   * bytes) cannot be believed.
   */
  private loadTrusted(trusted: number, wholeLogTrusted: boolean, fileSize: number, recheckBytes: number): string {
    const base = this.baseOffset;
    const offsetProblem = this.offsetIndex.load(trusted, wholeLogTrusted);
    if (offsetProblem) return offsetProblem;
    const lastRel = this.offsetIndex.lastRelativeOffset();
    const lastPos = this.offsetIndex.lastPosition();
    if (lastPos > 0) {
      const problem = this.batchProblemAt(lastPos, fileSize, base + lastRel);
      if (problem) return `the offset index's last entry (${lastRel}, ${lastPos}) is wrong: ${problem}`;
    }
    // Headers after the last index entry give the next offset and newest timestamp of the trusted part.
    let expected = base + lastRel;
    this.nextOffset = expected;
    let pos = lastPos;
    for (const h of this.scanHeaders(pos, trusted)) {
      if (this.cleaned ? h.baseOffset < expected : h.baseOffset !== expected) break;
      expected = h.baseOffset + h.lastOffsetDelta + 1;
      this.nextOffset = expected;
      if (h.maxTimestamp > this.maxTimestamp) this.maxTimestamp = h.maxTimestamp;
      pos = h.position + h.size;
    }
    if (pos < trusted)
      return `the batch headers after the last offset index entry (byte ${lastPos}) stop at byte ${pos}, before the trusted end ${trusted}`;
    this.size = trusted;
    this.bytesSinceIndexEntry = trusted - lastPos;
    if (recheckBytes > 0 && !wholeLogTrusted && trusted > 0) {
      const [rel, from] = this.offsetIndex.floorByPosition(Math.max(0, trusted - recheckBytes));
      const problem = this.checkRange(from, trusted, base + rel);
      if (problem) return `the check of the flushed bytes ${from}..${trusted} found ${problem}`;
    }
    // Time index entries are statements about the records before their offset: keep those up to the next offset.
    const timeProblem = this.timeIndex.load(this.nextOffset - base, wholeLogTrusted);
    if (timeProblem) return timeProblem;
    const lastTime = this.timeIndex.lastEntry();
    if (lastTime && lastTime[1] < this.nextOffset - base) {
      const at = this.findBatchPosition(base + lastTime[1]);
      if (at < 0 || this.baseOffsetAt(at) !== base + lastTime[1])
        return `the time index's last entry (${lastTime[0]}, ${lastTime[1]}) is not at a batch boundary`;
    }
    if (this.timeIndex.lastTimestamp() > this.maxTimestamp) this.maxTimestamp = this.timeIndex.lastTimestamp();
    return '';
  }

  /** '' when a sound batch (framing, magic, CRC-32C) with base offset `baseOffset` starts at `position`, else why not. */
  private batchProblemAt(position: number, fileSize: number, baseOffset: number): string {
    if (position + BATCH_HEADER_SIZE > fileSize)
      return `byte ${position} is too close to the end of the log (${fileSize})`;
    const h = parseBatchHeader(this.readAt(position, BATCH_HEADER_SIZE), 0)!;
    if (h.size < BATCH_HEADER_SIZE || position + h.size > fileSize)
      return `byte ${position} does not start a batch (batchLength ${h.batchLength})`;
    if (h.baseOffset !== baseOffset)
      return `the batch at byte ${position} has base offset ${h.baseOffset}, not ${baseOffset}`;
    const bad = checkBatch(this.readAt(position, h.size), 0, h.size, this.cleaned);
    return bad ? `the batch at byte ${position}: ${bad.reason}` : '';
  }

  /** Check the batches in [from, to) (read-only): '' when every one is sound and offsets follow from `expected`. */
  private checkRange(from: number, to: number, expected: number): string {
    let pos = from;
    for (const h of this.scanHeaders(from, to)) {
      if (this.cleaned ? h.baseOffset < expected : h.baseOffset !== expected)
        return `base offset ${h.baseOffset} at byte ${h.position} where ${expected} was expected`;
      const bad = checkBatch(this.readAt(h.position, h.size), 0, h.size, this.cleaned);
      if (bad) return `a corrupt batch at byte ${h.position}: ${bad.reason}`;
      expected = h.baseOffset + h.lastOffsetDelta + 1;
      pos = h.position + h.size;
    }
    return pos === to ? '' : `no whole batch at byte ${pos}`;
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
      const size = batchSizeAt(chunk, pos - chunkStart);
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
    return { truncatedBytes, reason: truncatedBytes > 0 ? reason : '', indexRebuilt: '' };
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
    const fd = this.fd;
    try {
      while (off < buf.length) {
        const n = this.io.writeSync(fd, buf, off, buf.length - off, start + off);
        if (n <= 0) throw new Error(`write returned ${n}`);
        off += n;
      }
    } catch (e) {
      try {
        this.io.ftruncateSync(fd, start);
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
    const fd = this.fd;
    while (got < length) {
      const n = fs.readSync(fd, buf, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  /** Batch headers in [from, to), read in small chunks; stops at the first header that does not fit. */
  *scanHeaders(from: number, to: number = this.size): Generator<BatchHeader> {
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
    const [rel, start] = offset <= this.baseOffset ? [0, 0] : this.offsetIndex.floorEntry(offset - this.baseOffset);
    let first = true;
    for (const h of this.scanHeaders(start)) {
      // The index is checked against the log at every use: an entry that does not point at its batch is ignored.
      if (first && start > 0 && h.baseOffset !== this.baseOffset + rel) break;
      first = false;
      if (h.baseOffset + h.lastOffsetDelta >= offset) return h.position;
    }
    if (start === 0) return -1;
    for (const h of this.scanHeaders(0)) if (h.baseOffset + h.lastOffsetDelta >= offset) return h.position;
    return -1;
  }

  /** Base offset of the batch at `position` (used by reads to report where they start). */
  baseOffsetAt(position: number): number {
    return baseOffsetAt(this.readAt(position, 8), 0);
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
   *
   * A log file whose descriptor the file cache closed since the write is opened again to be fsynced: fsync
   * flushes the file's dirty pages whichever descriptor asks, and Linux (since 4.13) reports a writeback error
   * to a descriptor opened after it as long as no one has seen it yet. The descriptor is pinned meanwhile.
   */
  async fsync(): Promise<void> {
    if (this.closeRequested) return;
    const log = this.dirty;
    const indexes = this.indexUnsynced;
    this.dirty = false;
    this.indexUnsynced = false;
    let pinned = false;
    try {
      const jobs: Promise<void>[] = [];
      if (log) {
        const fd = this.file.pin();
        pinned = true;
        jobs.push(new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve()))));
      }
      if (indexes)
        for (const index of [this.offsetIndex, this.timeIndex]) jobs.push(syncIndexFile(index, () => this.deleted));
      await Promise.all(jobs);
    } catch (e) {
      if (!this.deleted) {
        this.dirty ||= log;
        this.indexUnsynced ||= indexes;
        throw e;
      }
    } finally {
      if (pinned) this.file.unpin();
    }
  }

  /** Close the file (after any fsync in flight); the segment cannot be used afterwards. */
  close(): void {
    this.closeRequested = true;
    this.file.close();
  }

  /** Give the descriptor back to the file cache now (before the cleaner renames a replacement over the file). */
  release(): void {
    this.file.evict();
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
