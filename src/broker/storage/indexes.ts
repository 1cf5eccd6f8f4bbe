/**
 * The two sparse per-segment indexes, held in memory as typed arrays and mirrored to files:
 *
 *   <base>.index      entry = relativeOffset int32 BE, position int32 BE          (8 bytes)
 *                     "the batch whose base offset is base+relativeOffset starts at byte `position` of the .log"
 *   <base>.timeindex  entry = timestamp int64 BE, relativeOffset int32 BE          (12 bytes)
 *                     "every record before offset base+relativeOffset has a timestamp <= timestamp"
 *
 * Entries are strictly increasing in both fields. New entries are buffered and written by persist() (at flush,
 * roll and close); recovery drops entries past the trusted part of the log and rebuilds them, so a file that
 * lost its tail is harmless. Memory: 8 (resp. 12) bytes per entry, one entry per ~4 KiB of log.
 *
 * The indexes are derived data: load() reports what it finds wrong (a missing file, entries out of order, an
 * entry pointing past a wholly trusted log) instead of trusting it, and segment.ts checks the last entry
 * against the log and rebuilds both indexes from the log when in doubt. A missing file is recreated by the
 * next persist().
 *
 * Callers: segment.ts only.
 */
import * as fs from 'fs';
import { openBriefly } from './file-cache';

function grow<T extends Int32Array | Float64Array>(a: T, need: number, make: (n: number) => T): T {
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

/** Entries of the file this index mirrors: -1 when the file is missing (the next persist() recreates it). */
const MISSING = -1;

export class OffsetIndex {
  private rel = new Int32Array(16);
  private pos = new Int32Array(16);
  private n = 0;
  /** Entries already in the file (the file may hold more after an in-memory truncation: cut on persist). */
  private persisted = 0;
  private fileEntries = 0;

  constructor(readonly path: string) {}

  get entries(): number {
    return this.n;
  }

  /**
   * Load entries from the file, keeping the monotonic prefix whose positions are < maxPosition. Returns what is
   * wrong with the file ('' when nothing): missing, entries out of order, or (when `wholeLogTrusted`, i.e.
   * maxPosition is the end of a log whose every byte is trusted) an entry at or past the end of the log.
   */
  load(maxPosition: number, wholeLogTrusted = false): string {
    const buf = readWhole(this.path);
    this.n = 0;
    this.persisted = 0;
    if (buf === null) {
      this.fileEntries = MISSING;
      return 'the offset index file is missing';
    }
    const count = Math.floor(buf.length / 8);
    this.fileEntries = count;
    let lastRel = 0;
    let lastPos = 0;
    let problem = '';
    for (let i = 0; i < count; i++) {
      const r = buf.readInt32BE(i * 8);
      const p = buf.readInt32BE(i * 8 + 4);
      if (r <= lastRel || p <= lastPos) {
        problem = `offset index entry ${i} (${r}, ${p}) does not increase from (${lastRel}, ${lastPos})`;
        break;
      }
      if (p >= maxPosition) {
        if (wholeLogTrusted)
          problem = `offset index entry ${i} (${r}, ${p}) points past the end of the log (${maxPosition})`;
        break;
      }
      this.push(r, p);
      lastRel = r;
      lastPos = p;
    }
    this.persisted = this.n;
    return problem;
  }

  /** Forget every entry (a rebuild follows); the file is rewritten (or recreated) by the next persist(). */
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

  private push(r: number, p: number): void {
    this.rel = grow(this.rel, this.n + 1, (k) => new Int32Array(k));
    this.pos = grow(this.pos, this.n + 1, (k) => new Int32Array(k));
    this.rel[this.n] = r;
    this.pos[this.n] = p;
    this.n++;
  }

  append(relativeOffset: number, position: number): void {
    if (this.n > 0 && (relativeOffset <= this.rel[this.n - 1] || position <= this.pos[this.n - 1])) {
      throw new Error(
        `offset index entries must increase: (${relativeOffset}, ${position}) after (${this.rel[this.n - 1]}, ${this.pos[this.n - 1]})`,
      );
    }
    this.push(relativeOffset, position);
  }

  /** Position of the last indexed batch whose relative base offset is <= relativeOffset (0 when none). */
  lookup(relativeOffset: number): number {
    let lo = 0;
    let hi = this.n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel[mid] <= relativeOffset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.pos[found];
  }

  /** The last entry whose relative offset is <= relativeOffset as [relativeOffset, position]; [0, 0] when none. */
  floorEntry(relativeOffset: number): [number, number] {
    let lo = 0;
    let hi = this.n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel[mid] <= relativeOffset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? [0, 0] : [this.rel[found], this.pos[found]];
  }

  /** The last entry whose position is <= position as [relativeOffset, position]; [0, 0] when none. */
  floorByPosition(position: number): [number, number] {
    let i = this.n - 1;
    while (i >= 0 && this.pos[i] > position) i--;
    return i < 0 ? [0, 0] : [this.rel[i], this.pos[i]];
  }

  lastRelativeOffset(): number {
    return this.n > 0 ? this.rel[this.n - 1] : 0;
  }

  lastPosition(): number {
    return this.n > 0 ? this.pos[this.n - 1] : 0;
  }

  /** Drop entries pointing at or past `position`. */
  truncateToPosition(position: number): void {
    while (this.n > 0 && this.pos[this.n - 1] >= position) this.n--;
    if (this.persisted > this.n) this.persisted = this.n;
  }

  /** Write buffered entries (and cut stale ones) to the file. True when the file changed. */
  persist(): boolean {
    if (this.persisted === this.n && this.fileEntries === this.n) return false;
    if (this.persisted > 0 && !fs.existsSync(this.path)) this.persisted = 0; // removed behind our back: write all
    const count = this.n - this.persisted;
    const buf = Buffer.allocUnsafe(count * 8);
    for (let i = 0; i < count; i++) {
      buf.writeInt32BE(this.rel[this.persisted + i], i * 8);
      buf.writeInt32BE(this.pos[this.persisted + i], i * 8 + 4);
    }
    writeAt(this.path, this.persisted * 8, buf, this.persisted * 8);
    this.persisted = this.n;
    this.fileEntries = this.n;
    return true;
  }

  /** For tests and tools: the entries as [relativeOffset, position] pairs. */
  toArray(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.n; i++) out.push([this.rel[i], this.pos[i]]);
    return out;
  }
}

export class TimeIndex {
  private ts = new Float64Array(16);
  private rel = new Int32Array(16);
  private n = 0;
  private persisted = 0;
  private fileEntries = 0;

  constructor(readonly path: string) {}

  get entries(): number {
    return this.n;
  }

  /**
   * Load entries from the file, keeping the monotonic prefix whose relative offsets are <= maxRelativeOffset.
   * Returns what is wrong ('' when nothing): missing, out of order, or (when `wholeLogTrusted`) an entry past
   * the segment's next offset.
   */
  load(maxRelativeOffset: number, wholeLogTrusted = false): string {
    const buf = readWhole(this.path);
    this.n = 0;
    this.persisted = 0;
    if (buf === null) {
      this.fileEntries = MISSING;
      return 'the time index file is missing';
    }
    const count = Math.floor(buf.length / 12);
    this.fileEntries = count;
    let problem = '';
    for (let i = 0; i < count; i++) {
      const t = buf.readInt32BE(i * 12) * 4294967296 + buf.readUInt32BE(i * 12 + 4);
      const r = buf.readInt32BE(i * 12 + 8);
      if (r < 0 || t < 0 || (this.n > 0 && (t <= this.ts[this.n - 1] || r <= this.rel[this.n - 1]))) {
        problem = `time index entry ${i} (${t}, ${r}) is negative or does not increase`;
        break;
      }
      if (r > maxRelativeOffset) {
        if (wholeLogTrusted)
          problem = `time index entry ${i} (${t}, ${r}) lies past the segment's end (relative offset ${maxRelativeOffset})`;
        break;
      }
      this.push(t, r);
    }
    this.persisted = this.n;
    return problem;
  }

  /** Forget every entry (a rebuild follows); the file is rewritten (or recreated) by the next persist(). */
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

  /** The last entry as [timestamp, relativeOffset], or undefined when there is none. */
  lastEntry(): [number, number] | undefined {
    return this.n > 0 ? [this.ts[this.n - 1], this.rel[this.n - 1]] : undefined;
  }

  private push(t: number, r: number): void {
    this.ts = grow(this.ts, this.n + 1, (k) => new Float64Array(k));
    this.rel = grow(this.rel, this.n + 1, (k) => new Int32Array(k));
    this.ts[this.n] = t;
    this.rel[this.n] = r;
    this.n++;
  }

  lastTimestamp(): number {
    return this.n > 0 ? this.ts[this.n - 1] : -1;
  }

  /** Add (timestamp, relativeOffset) when it moves both forward; otherwise nothing. */
  maybeAppend(timestamp: number, relativeOffset: number): void {
    if (this.n > 0 && (timestamp <= this.ts[this.n - 1] || relativeOffset <= this.rel[this.n - 1])) return;
    if (timestamp < 0) return;
    this.push(timestamp, relativeOffset);
  }

  /** The largest relative offset before which every record is older than `timestamp` (0 when none is known). */
  lookup(timestamp: number): number {
    let lo = 0;
    let hi = this.n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] < timestamp) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.rel[found];
  }

  /** Drop entries whose relative offset is >= relativeOffset. */
  truncateToOffset(relativeOffset: number): void {
    while (this.n > 0 && this.rel[this.n - 1] >= relativeOffset) this.n--;
    if (this.persisted > this.n) this.persisted = this.n;
  }

  persist(): boolean {
    if (this.persisted === this.n && this.fileEntries === this.n) return false;
    if (this.persisted > 0 && !fs.existsSync(this.path)) this.persisted = 0; // removed behind our back: write all
    const count = this.n - this.persisted;
    const buf = Buffer.allocUnsafe(count * 12);
    for (let i = 0; i < count; i++) {
      const t = this.ts[this.persisted + i];
      const hi = Math.floor(t / 4294967296);
      buf.writeInt32BE(hi, i * 12);
      buf.writeUInt32BE(t - hi * 4294967296, i * 12 + 4);
      buf.writeInt32BE(this.rel[this.persisted + i], i * 12 + 8);
    }
    writeAt(this.path, this.persisted * 12, buf, this.persisted * 12);
    this.persisted = this.n;
    this.fileEntries = this.n;
    return true;
  }

  toArray(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.n; i++) out.push([this.ts[i], this.rel[i]]);
    return out;
  }
}
