/**
 * The sparse per-segment index, once, for both kinds a segment keeps (Kafka's AbstractIndex): a file of fixed-size
 * entries of two fields, both strictly increasing, held in memory as two typed-array columns and mirrored to the
 * file. This module owns the one binary search, the one load (read the file back and believe only its sound
 * prefix), the one persist (write what is new, cut what was dropped) and the one reset for a rebuild from the log;
 * an EntryFormat says how an entry is laid out and when a file's entry cannot be believed. OffsetIndex and
 * TimeIndex are thin definitions over it, and their API speaks full (absolute) offsets: the file stores offsets
 * relative to the segment's base offset (int32), which only this module converts.
 *
 *   <base>.index      entry = relativeOffset int32 BE, position int32 BE          (8 bytes)
 *                     "the batch whose base offset is base+relativeOffset starts at byte `position` of the .log"
 *   <base>.timeindex  entry = timestamp int64 BE, relativeOffset int32 BE          (12 bytes)
 *                     "every record before offset base+relativeOffset has a timestamp <= timestamp"
 *
 * New entries are buffered and written by persist() (at flush, roll and close); recovery drops entries past the
 * trusted part of the log and rebuilds them, so a file that lost its tail is harmless. Memory: 8 (resp. 12) bytes
 * per entry, one entry per ~4 KiB of log.
 *
 * The indexes are derived data: load() reports what it finds wrong (a missing file, entries out of order, an entry
 * pointing past a wholly trusted log) instead of trusting it, and segment.ts checks the last entry against the log
 * and rebuilds both indexes from the log when in doubt. A missing file is recreated by the next persist().
 *
 * Callers: segment.ts (the indexes), verify.ts (the entry formats, to read index files it checks).
 */
import * as fs from 'fs';
import { openBriefly } from './file-cache';
import { readInt64, writeInt64 } from './record-batch';

/** One field of every entry, in memory: int32 fields in an Int32Array, int64 fields (timestamps) in a Float64Array. */
type Column = Int32Array | Float64Array;

/** How one kind of index lays out an entry (key first: the field lookups search) and which entries it believes. */
export interface EntryFormat {
  /** What the index is called in the problems load() reports: "the offset index file is missing". */
  readonly name: string;
  /** Bytes per entry in the file. */
  readonly entryBytes: number;
  newKeys(length: number): Column;
  newValues(length: number): Column;
  readKey(buf: Buffer, at: number): number;
  readValue(buf: Buffer, at: number): number;
  write(buf: Buffer, at: number, key: number, value: number): void;
  /**
   * Why entry i (key, value) of a file cannot follow the entry (previousKey, previousValue) before it (`first`: there
   * is none, and the two are 0); '' when it can.
   */
  disorder(i: number, key: number, value: number, previousKey: number, previousValue: number, first: boolean): string;
  /** Why entry i lies past `limit`, the end of the trusted log in the format's own terms; '' when it does not. */
  beyond(i: number, key: number, value: number, limit: number): string;
}

/** The one binary search: the last of the first n slots whose value is <= target (< target when strict); -1 when none. */
function floorSlot(column: Column, n: number, target: number, strict: boolean): number {
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? column[mid] < target : column[mid] <= target) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function grow<T extends Column>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const b = make(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** Write `data` at `position` of the file at `path` (created if missing) after cutting it to `cutTo` bytes. */
function writeAt(path: string, cutTo: number, data: Buffer, position: number): void {
  const fd = openBriefly(path, fs.existsSync(path) ? 'r+' : 'w+');
  try {
    const size = fs.fstatSync(fd).size;
    if (size > cutTo) fs.ftruncateSync(fd, cutTo);
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, position + off);
  } finally {
    fs.closeSync(fd);
  }
}

/** The file's bytes, or null when it does not exist. */
function readWhole(path: string): Buffer | null {
  let fd: number;
  try {
    fd = openBriefly(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const buf = Buffer.allocUnsafe(fs.fstatSync(fd).size);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** Entries of the file an index mirrors: -1 when the file is missing (the next persist() recreates it). */
const MISSING = -1;

/** The entries of one index file, in memory, and the file kept in step with them. */
export class SparseIndex {
  private keys: Column;
  private values: Column;
  private n = 0;
  /** Entries already in the file (the file may hold more after an in-memory truncation: cut on persist). */
  private persisted = 0;
  private fileEntries = 0;

  constructor(
    readonly path: string,
    /** The segment's base offset: stored relative offsets are counted from it. */
    readonly baseOffset: number,
    private readonly format: EntryFormat,
  ) {
    this.keys = format.newKeys(16);
    this.values = format.newValues(16);
  }

  get entries(): number {
    return this.n;
  }

  /**
   * Load entries from the file, keeping its sound prefix within `limit` (format.beyond). Returns what is wrong
   * with the file ('' when nothing): missing, entries out of order, or (when `wholeLogTrusted`, i.e. limit is the
   * end of a log whose every byte is trusted) an entry past the end of the log.
   */
  protected loadFile(limit: number, wholeLogTrusted: boolean): string {
    const f = this.format;
    const buf = readWhole(this.path);
    this.n = 0;
    this.persisted = 0;
    if (buf === null) {
      this.fileEntries = MISSING;
      return `the ${f.name} file is missing`;
    }
    const count = Math.floor(buf.length / f.entryBytes);
    this.fileEntries = count;
    let problem = '';
    for (let i = 0; i < count; i++) {
      const key = f.readKey(buf, i * f.entryBytes);
      const value = f.readValue(buf, i * f.entryBytes);
      const first = this.n === 0;
      problem = f.disorder(
        i,
        key,
        value,
        first ? 0 : this.keys[this.n - 1],
        first ? 0 : this.values[this.n - 1],
        first,
      );
      if (problem) break;
      const past = f.beyond(i, key, value, limit);
      if (past) {
        if (wholeLogTrusted) problem = past;
        break;
      }
      this.push(key, value);
    }
    this.persisted = this.n;
    return problem;
  }

  /** Forget every entry (a rebuild from the log follows); the file is rewritten (or recreated) by the next persist(). */
  clear(): void {
    this.n = 0;
    this.persisted = 0;
    this.fileEntries = MISSING;
  }

  /** The file vanished under us: write every entry again at the next persist(). */
  forgetFile(): void {
    this.persisted = 0;
    this.fileEntries = MISSING;
  }

  /** Write buffered entries (and cut stale ones) to the file. True when the file changed. */
  persist(): boolean {
    if (this.persisted === this.n && this.fileEntries === this.n) return false;
    if (this.persisted > 0 && !fs.existsSync(this.path)) this.persisted = 0; // removed behind our back: write all
    const size = this.format.entryBytes;
    const count = this.n - this.persisted;
    const buf = Buffer.allocUnsafe(count * size);
    for (let i = 0; i < count; i++)
      this.format.write(buf, i * size, this.keys[this.persisted + i], this.values[this.persisted + i]);
    writeAt(this.path, this.persisted * size, buf, this.persisted * size);
    this.persisted = this.n;
    this.fileEntries = this.n;
    return true;
  }

  protected push(key: number, value: number): void {
    this.keys = grow(this.keys, this.n + 1, (k) => this.format.newKeys(k));
    this.values = grow(this.values, this.n + 1, (k) => this.format.newValues(k));
    this.keys[this.n] = key;
    this.values[this.n] = value;
    this.n++;
  }

  protected keyAt(slot: number): number {
    return this.keys[slot];
  }

  protected valueAt(slot: number): number {
    return this.values[slot];
  }

  /** The last slot whose key is <= key (< key when strict); -1 when none. */
  protected floorByKey(key: number, strict = false): number {
    return floorSlot(this.keys, this.n, key, strict);
  }

  /** The last slot whose value is <= value (< value when strict); -1 when none. */
  protected floorByValue(value: number, strict = false): number {
    return floorSlot(this.values, this.n, value, strict);
  }

  /** Keep the first `entries` entries (the file is cut to match at the next persist()). */
  protected truncateToEntries(entries: number): void {
    if (entries < this.n) this.n = entries;
    if (this.persisted > this.n) this.persisted = this.n;
  }
}

// ------------------------------------------------------------------ offset index

export const OFFSET_INDEX_ENTRY: EntryFormat = {
  name: 'offset index',
  entryBytes: 8,
  newKeys: (n) => new Int32Array(n),
  newValues: (n) => new Int32Array(n),
  readKey: (buf, at) => buf.readInt32BE(at),
  readValue: (buf, at) => buf.readInt32BE(at + 4),
  write: (buf, at, relativeOffset, position) => {
    buf.writeInt32BE(relativeOffset, at);
    buf.writeInt32BE(position, at + 4);
  },
  // The first entry is compared with (0, 0) too: the segment's first batch at byte 0 is implied, never stored.
  disorder: (i, r, p, lastRel, lastPos) =>
    r <= lastRel || p <= lastPos
      ? `offset index entry ${i} (${r}, ${p}) does not increase from (${lastRel}, ${lastPos})`
      : '',
  beyond: (i, r, p, maxPosition) =>
    p >= maxPosition ? `offset index entry ${i} (${r}, ${p}) points past the end of the log (${maxPosition})` : '',
};

/** Where batches start in a segment's .log: offset -> byte position, one entry per ~index.interval.bytes. */
export class OffsetIndex extends SparseIndex {
  constructor(path: string, baseOffset: number) {
    super(path, baseOffset, OFFSET_INDEX_ENTRY);
  }

  /** Load the file's entries that point before maxPosition; see SparseIndex.loadFile for what is reported. */
  load(maxPosition: number, wholeLogTrusted = false): string {
    return this.loadFile(maxPosition, wholeLogTrusted);
  }

  /** The batch with base offset `offset` starts at `position`; both must be past the last entry's. */
  append(offset: number, position: number): void {
    const relativeOffset = offset - this.baseOffset;
    const last = this.entries - 1;
    if (last >= 0 && (relativeOffset <= this.keyAt(last) || position <= this.valueAt(last))) {
      throw new Error(
        `offset index entries must increase: (${relativeOffset}, ${position}) after (${this.keyAt(last)}, ${this.valueAt(last)})`,
      );
    }
    this.push(relativeOffset, position);
  }

  /** The last entry whose offset is <= offset as [offset, position]; [baseOffset, 0] when none. */
  lookup(offset: number): [number, number] {
    const slot = this.floorByKey(offset - this.baseOffset);
    return slot < 0 ? [this.baseOffset, 0] : [this.baseOffset + this.keyAt(slot), this.valueAt(slot)];
  }

  /** The last entry whose position is <= position as [offset, position]; [baseOffset, 0] when none. */
  floorByPosition(position: number): [number, number] {
    const slot = this.floorByValue(position);
    return slot < 0 ? [this.baseOffset, 0] : [this.baseOffset + this.keyAt(slot), this.valueAt(slot)];
  }

  /** The last entry's offset; baseOffset when there is none. */
  lastOffset(): number {
    return this.baseOffset + (this.entries > 0 ? this.keyAt(this.entries - 1) : 0);
  }

  /** The last entry's position; 0 when there is none. */
  lastPosition(): number {
    return this.entries > 0 ? this.valueAt(this.entries - 1) : 0;
  }

  /** Drop entries pointing at or past `position`. */
  truncateToPosition(position: number): void {
    this.truncateToEntries(this.floorByValue(position, true) + 1);
  }

  /** For tests and tools: the entries as [offset, position] pairs. */
  toArray(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.entries; i++) out.push([this.baseOffset + this.keyAt(i), this.valueAt(i)]);
    return out;
  }
}

// ------------------------------------------------------------------ time index

export const TIME_INDEX_ENTRY: EntryFormat = {
  name: 'time index',
  entryBytes: 12,
  newKeys: (n) => new Float64Array(n),
  newValues: (n) => new Int32Array(n),
  readKey: (buf, at) => readInt64(buf, at),
  readValue: (buf, at) => buf.readInt32BE(at + 8),
  write: (buf, at, timestamp, relativeOffset) => {
    writeInt64(buf, at, timestamp);
    buf.writeInt32BE(relativeOffset, at + 8);
  },
  disorder: (i, t, r, lastTimestamp, lastRel, first) =>
    r < 0 || t < 0 || (!first && (t <= lastTimestamp || r <= lastRel))
      ? `time index entry ${i} (${t}, ${r}) is negative or does not increase`
      : '',
  beyond: (i, t, r, maxRelativeOffset) =>
    r > maxRelativeOffset
      ? `time index entry ${i} (${t}, ${r}) lies past the segment's end (relative offset ${maxRelativeOffset})`
      : '',
};

/** The newest timestamp before offsets of a segment: timestamp -> offset, beside the offset index's entries. */
export class TimeIndex extends SparseIndex {
  constructor(path: string, baseOffset: number) {
    super(path, baseOffset, TIME_INDEX_ENTRY);
  }

  /** Load the file's entries up to offset maxOffset; see SparseIndex.loadFile for what is reported. */
  load(maxOffset: number, wholeLogTrusted = false): string {
    return this.loadFile(maxOffset - this.baseOffset, wholeLogTrusted);
  }

  /** The last entry as [timestamp, offset], or undefined when there is none. */
  lastEntry(): [number, number] | undefined {
    const last = this.entries - 1;
    return last >= 0 ? [this.keyAt(last), this.baseOffset + this.valueAt(last)] : undefined;
  }

  lastTimestamp(): number {
    return this.entries > 0 ? this.keyAt(this.entries - 1) : -1;
  }

  /** Add (timestamp, offset) when it moves both forward; otherwise nothing. */
  maybeAppend(timestamp: number, offset: number): void {
    const relativeOffset = offset - this.baseOffset;
    const last = this.entries - 1;
    if (last >= 0 && (timestamp <= this.keyAt(last) || relativeOffset <= this.valueAt(last))) return;
    if (timestamp < 0) return;
    this.push(timestamp, relativeOffset);
  }

  /** The largest offset before which every record is older than `timestamp` (baseOffset when none is known). */
  lookup(timestamp: number): number {
    const slot = this.floorByKey(timestamp, true);
    return this.baseOffset + (slot < 0 ? 0 : this.valueAt(slot));
  }

  /** Drop entries whose offset is >= offset. */
  truncateToOffset(offset: number): void {
    this.truncateToEntries(this.floorByValue(offset - this.baseOffset, true) + 1);
  }

  /** For tests and tools: the entries as [timestamp, offset] pairs. */
  toArray(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.entries; i++) out.push([this.keyAt(i), this.baseOffset + this.valueAt(i)]);
    return out;
  }
}
